"""Find where the quotes of one answer state different values for the same thing (a year, a dose, a
percentage, a price), so the reader is told the sources disagree instead of having to spot it.

The method reads only the quoted text. Each number with a unit (or a year, or a decade) is a mention
with the words around it. Two mentions from different sources are about the same thing when:
- years: the words around them share a specific word, or both share one with the question (a quote
  saying "first used in the 1960s" and one saying "introduced in 1965" both answer "when was it first
  introduced?");
- doses: they are within an order of magnitude of each other (4.5 mg and 50 mg are a low dose and a
  full dose, not two estimates of one);
- percentages and prices: both of the above.
A "specific" word is one found in under a quarter of the corpus's passages: words nearly every
passage uses ("pain", the drug's own name) say what the corpus is about, not which thing a number
measures. No list of known disagreements or of words: everything comes from the text and the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .text import STOPWORDS, stem, words
from .types import CitedPassage, Conflict, ConflictValue

if TYPE_CHECKING:
    from .lexical import BM25Index

# A word in this share of the corpus's passages or more names the corpus's topic, not a thing.
# Fixed before any measurement (a quarter), not tuned.
_TOPIC_SHARE = 0.25
# Words each side of a mention that describe it, within its sentence (a clause, roughly).
_WINDOW = 8
# Amounts further apart than this factor measure different things (an order of magnitude).
_MAGNITUDE = 10.0

_NUM = r"\d+(?:\.\d+)?"
_MASS_UNITS = {
    "mg": 1.0,
    "milligram": 1.0,
    "milligrams": 1.0,
    "mcg": 0.001,
    "µg": 0.001,
    "microgram": 0.001,
    "micrograms": 0.001,
    "g": 1000.0,
    "gram": 1000.0,
    "grams": 1000.0,
}
_UNIT = r"(?:mg|milligrams?|mcg|µg|micrograms?|grams?|g|%|percent|per cent)(?![\w])"
_BELOW = r"up to|at most|no more than|less than|fewer than|under|below|as little as"
_ABOVE = r"at least|more than|over|above|as much as"
_AMOUNT = re.compile(
    rf"(?:(?P<pre>{_BELOW}|{_ABOVE})\s+)?(?P<btw>between\s+)?(?P<a>{_NUM})\s*(?P<ua>{_UNIT})?"
    rf"(?:\s*(?P<j>to|-|–|—|and)\s*(?P<b>{_NUM})\s*)?(?P<u>{_UNIT})(?P<post>\s+or\s+(?:less|lower|fewer|under|below|more|higher|greater|above))?",
    re.IGNORECASE,
)
_MONEY = re.compile(rf"\$\s?(?P<a>{_NUM})(?:\s*(?:to|-|–|—|and)\s*\$?\s?(?P<b>{_NUM}))?", re.IGNORECASE)
_DECADE = re.compile(r"\b(?:(?:early|mid|late)[- ])?(?P<y>(?:1[89]|20)\d0)['’]?s\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?P<y>(?:1[89]|20)\d\d)\b(?!\s*(?:%|percent|mg|mcg|g\b|milligram|patients|people|participants|women|men|subjects))")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

_READ_CACHE = 20_000  # passages whose values are kept (a few hundred bytes each); cleared when full

# A value as a passage's text states it: kind, low, high, is_point, text, start, end, context words.
_Value = tuple[str, float, float, bool, str, int, int, frozenset[str]]

_LABELS = {"year": "year", "mass": "dose", "percent": "percentage", "money": "price or cost"}


@dataclass(frozen=True)
class Mention:
    """One stated value in one quote: what kind, the interval it states, and the words around it."""

    rank: int
    source_id: str
    kind: str  # year | mass | percent | money
    low: float
    high: float
    is_point: bool  # one value (a year, "4.5 mg"), not a range, a bound or a decade
    text: str
    start: int
    end: int
    context: frozenset[str]

    @property
    def size(self) -> float:
        """The amount to compare orders of magnitude by: the upper end, or the lower for an open bound."""
        return self.high if np.isfinite(self.high) else self.low

    def same_interval(self, other: Mention) -> bool:
        return abs(self.low - other.low) < 1e-9 and abs(self.high - other.high) < 1e-9

    def inside(self, other: Mention) -> bool:
        return other.low - 1e-9 <= self.low and self.high <= other.high + 1e-9


def _interval(kind: str, a: float, b: float | None, pre: str, post: str) -> tuple[float, float, bool]:
    pre, post = pre.lower(), post.lower()
    if b is not None:
        return min(a, b), max(a, b), False
    if re.search(_BELOW, pre) or re.search(r"less|lower|fewer|under|below", post):
        return 0.0, a, False
    if re.search(_ABOVE, pre) or re.search(r"more|higher|greater|above", post):
        return a, float("inf"), False
    return a, a, True


def _amounts(text: str) -> Iterable[tuple[str, float, float, bool, int, int]]:
    for m in _AMOUNT.finditer(text):
        if (m.group("j") or "").lower() == "and" and not m.group("btw"):
            continue  # "3 and 4.5 mg" names two doses; only "between 3 and 4.5 mg" is a range
        unit = m.group("u").lower()
        kind = "percent" if unit in ("%", "percent", "per cent") else "mass"
        scale = _MASS_UNITS.get(unit, 1.0) if kind == "mass" else 1.0
        a = float(m.group("a")) * (_MASS_UNITS.get((m.group("ua") or unit).lower(), scale) if kind == "mass" else 1.0)
        b = float(m.group("b")) * scale if m.group("b") else None
        low, high, point = _interval(kind, a, b, m.group("pre") or "", m.group("post") or "")
        yield kind, low, high, point, m.start(), m.end()
    for m in _MONEY.finditer(text):
        b = float(m.group("b")) if m.group("b") else None
        low, high, point = _interval("money", float(m.group("a")), b, "", "")
        yield "money", low, high, point, m.start(), m.end()


def _dates(text: str, taken: list[tuple[int, int]]) -> Iterable[tuple[str, float, float, bool, int, int]]:
    def free(a: int, b: int) -> bool:
        return not any(a < e and s < b for s, e in taken)

    for m in _DECADE.finditer(text):
        if free(m.start(), m.end()):
            y = float(m.group("y"))
            yield "year", y, y + 9, False, m.start(), m.end()
    for m in _YEAR.finditer(text):
        if free(m.start(), m.end()) and text[m.end() : m.end() + 1] not in ("s", "'", "’"):
            y = float(m.group("y"))
            yield "year", y, y, True, m.start(), m.end()


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


class ConflictFinder:
    """Knows which words are the corpus's topic; finds disagreements among one answer's quotes."""

    def __init__(self, topic_words: Iterable[str] = ()) -> None:
        self.topic = frozenset(topic_words)
        # What a passage's text states depends on the text alone, and an index's passages recur from one
        # answer to the next: reading them once keeps conflict finding off the warm answer's time.
        self._read: dict[str, tuple[_Value, ...]] = {}

    @classmethod
    def from_lexical(cls, lexical: BM25Index) -> ConflictFinder:
        """Topic words from the corpus's BM25 index: stems in at least a quarter of its passages."""
        if lexical.size == 0:
            return cls()
        share = np.asarray((lexical.matrix != 0).sum(axis=0)).ravel() / lexical.size
        return cls(term for term, col in lexical.vocabulary.items() if share[col] >= _TOPIC_SHARE)

    def _content(self, text: str) -> set[str]:
        return {s for s in (stem(w) for w in words(text) if w not in STOPWORDS and not w[0].isdigit()) if s not in self.topic and len(s) > 1}

    def mentions(self, passage: CitedPassage) -> list[Mention]:
        """Every value stated in a quote, with the words of its sentence nearest to it."""
        values = self._read.get(passage.text)
        if values is None:
            if len(self._read) >= _READ_CACHE:
                self._read.clear()
            values = self._read[passage.text] = tuple(self._values(passage.text))
        return [Mention(passage.rank, passage.source_id, *value) for value in values]

    def _values(self, text: str) -> Iterable[_Value]:
        found = list(_amounts(text))
        found += list(_dates(text, [(s, e) for *_, s, e in found]))
        found.sort(key=lambda f: f[4])
        for sent_start, sent_end in _sentences(text):
            inside = [f for f in found if sent_start <= f[4] < sent_end]
            for i, (kind, low, high, point, start, end) in enumerate(inside):
                # Words between two mentions belong to the nearer one.
                left = (inside[i - 1][5] + start) // 2 if i else sent_start
                right = (end + inside[i + 1][4]) // 2 if i + 1 < len(inside) else sent_end
                before = words(text[left:start])[-_WINDOW:]
                after = words(text[end:right])[:_WINDOW]
                context = frozenset(self._content(" ".join(before + after)))
                yield kind, low, high, point, text[start:end], start, end, context

    def _same_thing(self, a: Mention, b: Mention, asked: set[str]) -> bool:
        # The question says which thing is asked about: both values must stand by a word of it. Two
        # quotes merely sharing a word ("medication") is too weak: that links a synthesis to an approval.
        words_agree = bool(a.context & asked) and bool(b.context & asked)
        if a.kind == "year":
            return words_agree
        sizes = sorted((a.size, b.size))
        near = sizes[0] > 0 and sizes[1] / sizes[0] < _MAGNITUDE
        return near if a.kind == "mass" else near and words_agree

    @staticmethod
    def _differ(a: Mention, b: Mention) -> bool:
        if a.same_interval(b):
            return False
        if a.kind == "year":
            return True  # one event has one date: "the 1960s" and "1965" are two different answers
        # An amount is often one of many valid ones: two single doses are not rivals, and a dose inside
        # another source's range agrees with it. Ranges and bounds that differ do disagree.
        if a.is_point and b.is_point:
            return False
        if a.is_point:
            return not a.inside(b)
        if b.is_point:
            return not b.inside(a)
        return True

    def find(self, question: str, passages: Sequence[CitedPassage]) -> tuple[Conflict, ...]:
        """One Conflict per group of disagreeing values, each value pointing at its quote by rank."""
        asked = self._content(question)
        mentions = [m for p in passages for m in self.mentions(p)]
        parent = list(range(len(mentions)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        linked: set[int] = set()
        for i, a in enumerate(mentions):
            for j in range(i + 1, len(mentions)):
                b = mentions[j]
                if a.kind == b.kind and a.source_id != b.source_id and self._same_thing(a, b, asked) and self._differ(a, b):
                    parent[root(i)] = root(j)
                    linked.update((i, j))
        groups: dict[int, list[Mention]] = {}
        for i in sorted(linked):
            groups.setdefault(root(i), []).append(mentions[i])
        conflicts = []
        for group in groups.values():
            values = tuple(ConflictValue(m.rank, m.text, m.start, m.end) for m in sorted(group, key=lambda m: (m.rank, m.start)))
            conflicts.append(Conflict(kind=_LABELS[group[0].kind], values=values))
        return tuple(sorted(conflicts, key=lambda c: (c.values[0].rank, c.values[0].start)))
