"""Small text helpers with no dependencies."""

import re
import unicodedata
from urllib.parse import urlsplit


def slugify(text: str, max_length: int = 80) -> str:
    """'Korea's Struggle for Independence' -> 'koreas-struggle-for-independence'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("'", "").replace("’", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def tag_name(text: str, max_length: int = 60) -> str:
    """A tag's name, which is also its address: 'East Asia' -> 'east-asia', 'Café' -> 'cafe',
    '中文' -> '中文', '한국어' -> '한국어', 'Ελληνικά' -> 'ελληνικά'.

    Letters that decompose to ASCII ones become them, as in `slugify` (so tags made before
    stay the same); letters and digits of any other script are kept (NFC, lower-case), with
    the marks that belong to them (Devanagari vowel signs, Japanese voicing marks). Everything
    else separates words with one hyphen. In a URL the name is percent-encoded, and browsers
    show it as written."""
    pieces: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        latin = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        if latin.isalnum():
            pieces.append(latin)
        elif char.isalnum() or (unicodedata.category(char).startswith("M")
                                and pieces and pieces[-1] != "-"):
            pieces.append(char)
        elif char not in "'’" and pieces and pieces[-1] != "-":
            pieces.append("-")
    # Lower-cased whole, so that a Greek word ends in a final sigma.
    name = unicodedata.normalize("NFC", "".join(pieces).strip("-").lower())
    return name[:max_length].rstrip("-")


SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host; javascript:, data: and the rest are refused."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and not any(
        ch.isspace() or ord(ch) < 32 for ch in url)


def format_duration(minutes: int) -> str:
    """'2 hours', '1 hour 30 minutes', '45 minutes'."""
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins or not hours:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


def join_names(names: list[str]) -> str:
    """['Zoom', 'YouTube', 'Twitch'] -> 'Zoom, YouTube and Twitch'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def line_problem(text: str) -> str | None:
    """Why `text` cannot be a one-line value (a title, a name, a subject), or None.

    A line break in a title would end up in mail headers and calendar files; other control
    characters are invisible, break XML (Atom) and some databases (NUL in PostgreSQL).
    """
    if any(ch in _LINE_BREAKS for ch in text):
        return "must be on one line"
    if any(unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_OVERRIDES for ch in text):
        return "must not contain control characters"
    return None


# Embeddings and overrides reorder the text after them ("txt.exe" shown for "exe.txt");
# isolates (U+2066-2069) and the marks are harmless and are kept.
_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be a multi-line value (a description, a message), or None."""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\r\n\t" for ch in text):
        return "must not contain control characters"
    return None
