import pytest

from eventsite.domain.text import format_duration, is_web_url, slugify


@pytest.mark.parametrize("title,slug", [
    ("Korea's Struggle for Independence, Peace and Reunification",
     "koreas-struggle-for-independence-peace-and-reunification"),
    ("Économie & société — 2026", "economie-societe-2026"),
    ("  --  ", ""),
])
def test_slugify(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize("url,ok", [
    ("https://www.eventbrite.com/e/123", True), ("http://example.org", True),
    ("javascript:alert(1)", False), ("data:text/html,<script>", False), ("//evil.example", False),
    ("https://", False), ("https://exa mple.org", False), ("ftp://example.org", False),
    ("https://example.org/\nX-Injected: 1", False),
])
def test_only_web_urls_are_accepted(url, ok):
    assert is_web_url(url) is ok


def test_duration():
    assert [format_duration(m) for m in (120, 90, 45, 60)] == [
        "2 hours", "1 hour 30 minutes", "45 minutes", "1 hour"]
