"""Query spelling correction towards the words the corpus and the profile use.

Only the search text changes; the question shown to the user, and every quote, stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process
from wordfreq import zipf_frequency

from .text import STOPWORDS, stem

_WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)
# An everyday English word is never "corrected": 'normal' is not a misspelling of 'formal'.
_EVERYDAY_ZIPF = 3.0


class Speller:
    """Maps a misspelt word to the known word meant ('fibromyalga' -> 'fibromyalgia').

    Targets are the corpus's and the profile's words of five letters or more; a word that the corpus
    knows, or that is everyday English, is left alone.
    """

    def __init__(self, known: Iterable[str], targets: Iterable[str], cutoff: float = 85.0) -> None:
        self.known_stems = frozenset(stem(w) for w in known)
        self._choices = sorted({w for w in targets if len(w) >= 5 and w.isalpha()})
        self.cutoff = cutoff
        self.fix = lru_cache(maxsize=16384)(self._fix)

    def _fix(self, word: str) -> str:
        if word in STOPWORDS or stem(word) in self.known_stems or zipf_frequency(word, "en") >= _EVERYDAY_ZIPF:
            return word
        match = process.extractOne(word, self._choices, scorer=fuzz.ratio, score_cutoff=self.cutoff)
        return match[0] if match else word

    def correct(self, text: str) -> str:
        """The text with each unknown word of five or more letters replaced by its closest known word."""

        def replace(m: re.Match[str]) -> str:
            word = m.group(0)
            fixed = self.fix(word.lower())
            return word if fixed == word.lower() else fixed

        return _WORD.sub(replace, text)
