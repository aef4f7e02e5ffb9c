"""What a search query means, independent of the database that answers it.

Both backends (SQLite FTS5, PostgreSQL full-text search) stem English and fold accents
themselves. What they do not do alike is Chinese, Japanese and Korean, written without spaces
between words (or, in Korean, with particles glued to them): both would index a whole run of
such characters as one word. So runs of those scripts are indexed, and searched, as overlapping
pairs of characters ("朝鲜半岛" -> 朝鲜 鲜半 半岛), the way Lucene's CJK analyser does, and a query
run must appear as that phrase: a two-character word such as 和平 or 한국 is then found inside
longer text, the same way on both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Characters of scripts written without spaces between words.
_CJK = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3130-\u318f"  # Hangul compatibility Jamo
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(f"[^\\W_{_CJK}]+")

# The backends mark matches with these; they are removed from indexed text, so that every one
# in a highlight came from the database and can be turned into <mark> after escaping.
MARK_START, MARK_END = "\ue000", "\ue001"
_MARKS = str.maketrans("", "", MARK_START + MARK_END)

MAX_TERMS = 12
MAX_TERM_LENGTH = 60

# Words too common to say anything (PostgreSQL's English list leaves them out of its index;
# leaving them out of every query makes both backends answer alike).
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can did do does doing don down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with you your yours yourself yourselves
""".split())


@dataclass(frozen=True)
class SearchQuery:
    """Words for the stemming index, and CJK runs as bigram phrases."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()  # each a run's bigrams (or its one character)
    runs: tuple[str, ...] = field(default=(), compare=False)  # the runs as typed, to highlight

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def terms(self) -> int:
        return len(self.words) + len(self.phrases)


def bigrams(run: str) -> tuple[str, ...]:
    """'朝鲜半岛' -> ('朝鲜', '鲜半', '半岛'); a single character stays itself."""
    if len(run) < 2:
        return (run,)
    return tuple(run[i:i + 2] for i in range(len(run) - 1))


def cjk_text(text: str) -> str:
    """The bigrams of every CJK run in `text`, space-separated: what the CJK column holds."""
    return " ".join(" ".join(bigrams(run)) for run in CJK_RUN.findall(text))


def parse_query(text: str) -> SearchQuery:
    """A visitor's words as a query: punctuation and operators are just separators, common
    English words and single letters are dropped, and the number of terms is bounded."""
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if (len(word) > 1 or word.isdigit()) and word not in STOPWORDS and word not in words:
            words.append(word[:MAX_TERM_LENGTH])
    runs = []
    for run in CJK_RUN.findall(text):
        if run not in runs:
            runs.append(run[:MAX_TERM_LENGTH])
    words, runs = words[:MAX_TERMS], runs[:max(0, MAX_TERMS - len(words))]
    return SearchQuery(tuple(words), tuple(bigrams(run) for run in runs), tuple(runs))


def clean(text: str) -> str:
    """Text as indexed: without the highlight markers."""
    return text.translate(_MARKS)


def mark_runs(text: str, runs: tuple[str, ...]) -> str:
    """Wrap each literal occurrence of a CJK run in the highlight markers (the databases
    highlight stemmed words; CJK runs are matched as typed)."""
    for run in sorted(runs, key=len, reverse=True):
        text = text.replace(run, MARK_START + run + MARK_END)
    return text


def segments(text: str) -> list[tuple[str, bool]]:
    """Highlighted text as (piece, is_match) pairs, markers removed; stray or nested markers
    cannot unbalance anything because each piece is either inside or outside a match."""
    pieces: list[tuple[str, bool]] = []
    inside = 0
    for part in re.split(f"([{MARK_START}{MARK_END}])", text):
        if part == MARK_START:
            inside += 1
        elif part == MARK_END:
            inside = max(0, inside - 1)
        elif part:
            marked = inside > 0
            if pieces and pieces[-1][1] == marked:
                pieces[-1] = (pieces[-1][0] + part, marked)
            else:
                pieces.append((part, marked))
    return pieces


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`#>~|]+|^\s*[-+]\s+|<[^>]*>", re.MULTILINE)


def markdown_text(markdown: str) -> str:
    """Markdown as the words a reader sees (links by their text, no emphasis marks), so that
    snippets read as prose and URLs do not match."""
    return " ".join(_MARKUP.sub(" ", _LINK.sub(r"\1", markdown)).split())
