"""A corpus of hostile values, and oracles that say whether a page, feed or mail let one of
them through as something a program would act on."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

XSS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "{{7*7}}{{config.items()}}",
    "${7*7}#{7*7}",
    "<style>@import 'http://evil.example/x.css'</style>",
    "<link rel=stylesheet href=http://evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=http://evil.example">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<input autofocus onfocus=alert(1)>",
    '"onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<base href="http://evil.example/">',
    '<form action="http://evil.example"><button>x</button></form>',
    "[click me](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<scr<script>ipt>alert(1)</script>",
    "<<SCRIPT>alert(1)//<</SCRIPT>",
    '<IMG SRC="jav&#x09;ascript:alert(1);">',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '"]]></summary><script>alert(1)</script>',
    "<![CDATA[<script>alert(1)</script>]]>",
    "<!--<img src=--><img src=x onerror=alert(1)//>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
]
BREAKING = [
    "BEGIN:VEVENT\r\nSUMMARY:injected\r\nEND:VEVENT",
    "Subject line\r\nBcc: victim@example.org",
    "two\nlines",
    "carriage\rreturn",
    "tab\there",
    "bell\x07 and escape\x1b[31m",
    "\u2028line separator\u2029",
    "\x85next line",
]
ODD = [
    "\u202etxt.exe",
    "zero\u200bwidth\u200d joiner",
    "😀👩‍👩‍👧‍👦 emoji",
    "Z̷̢̛a̵l̶g̷o̵ text",
    "\ufeffbyte order mark",
    "中文 한국어 Ελληνικά العربية",
    "𝒜𝓁𝓅𝒽𝒶 ﷺ",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+1+2",
    "-1+2",
    "@SUM(1)",
    "'; DROP TABLE events; --",
    "../../etc/passwd",
    "%00%0d%0a",
    "A" * 5000,
]
NUL = ["a\x00b"]
PAYLOADS = XSS + BREAKING + ODD + NUL


class _Audit(HTMLParser):
    OUR_SCRIPT = re.compile(r"^/static/")

    def __init__(self, allow_style: bool):
        super().__init__(convert_charrefs=True)
        self.allow_style = allow_style
        self.problems: list[str] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {name.lower(): (value or "") for name, value in attrs}
        if tag in ("iframe", "object", "embed", "base", "frame", "frameset", "applet"):
            self.problems.append(f"<{tag}>")
        if tag == "style" and not self.allow_style:
            self.problems.append("<style>")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.problems.append("meta refresh")
        if tag == "link" and a.get("href") and not a["href"].startswith(("/", "http://eventsite.test")):
            self.problems.append(f"<link href={a['href']!r}>")
        if tag == "script":
            kind = a.get("type", "")
            if kind == "application/ld+json":
                self._script_type = kind
            elif not self.OUR_SCRIPT.match(a.get("src", "")):
                self.problems.append(f"<script {a}>")
            else:
                self._script_type = "ours"
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name == "style" and not self.allow_style:
                self.problems.append(f"style= on <{tag}>")
            if name in ("href", "src", "action", "formaction", "data", "poster", "xlink:href"):
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None

    def handle_data(self, data):
        if self._script_type == "application/ld+json":
            try:
                json.loads(data)
            except ValueError:
                self.problems.append("JSON-LD that does not parse")


def html_problems(html: str, allow_style: bool = False) -> list[str]:
    """Markup in `html` that a browser would run or follow: injected scripts, handlers,
    javascript: links, frames, refreshes. Our own static scripts and JSON-LD are fine."""
    audit = _Audit(allow_style)
    audit.feed(html)
    audit.close()
    return audit.problems
