"""Organisers' Markdown -> safe HTML.

markdown-it-py renders CommonMark with raw HTML switched off; nh3 (the ammonia sanitiser)
then allows only harmless tags and http(s)/mailto links, as a second line of defence.
"""

import re
from functools import lru_cache
from html import unescape

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
    ["table", "strikethrough", "replacements", "smartquotes"])

_ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}


@lru_cache(maxsize=512)
def render_markdown(text: str) -> Markup:
    """Markdown text as sanitised HTML, safe to place in a page."""
    html = _renderer.render(text or "")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)


_BLOCK_END = re.compile(r"</(?:p|li|h[2-6]|blockquote|pre|tr)>|<br\s*/?>|<hr\s*/?>")


@lru_cache(maxsize=512)
def markdown_as_text(text: str) -> str:
    """Markdown as plain text: the words, one paragraph per line, no markup."""
    html = _BLOCK_END.sub("\n", str(render_markdown(text)))
    plain = unescape(nh3.clean(html, tags=set()))
    return "\n".join(line.strip() for line in plain.splitlines() if line.strip())
