"""Query spelling correction against the words the corpus and the lexicon use.

Only the search text changes; the question shown to the user, and every quote, stay as they are.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Iterable

from .text import STOPWORDS, stem

_WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)


class Speller:
    """Maps a misspelt clinical word to the one meant ('fibromyalga' -> 'fibromyalgia').

    Corrections aim only at `targets` (clinical words): aimed at every corpus word, ordinary English
    is 'corrected' into nonsense ('normal' -> 'formal', 'breathing' -> 'treating').
    """

    def __init__(self, known: Iterable[str], targets: Iterable[str], cutoff: float = 0.82) -> None:
        self.known_stems = frozenset(stem(w) for w in known)
        self._choices = sorted({w for w in targets if len(w) >= 4})
        self.cutoff = cutoff
        self.fix = lru_cache(maxsize=16384)(self._fix)

    def _fix(self, word: str) -> str:
        if word in STOPWORDS or stem(word) in self.known_stems:
            return word
        match = difflib.get_close_matches(word, self._choices, n=1, cutoff=self.cutoff)
        return match[0] if match else word

    def correct(self, text: str) -> str:
        """The text with each unknown word of five or more letters replaced by its closest known word."""

        def replace(m: re.Match[str]) -> str:
            word = m.group(0)
            fixed = self.fix(word.lower())
            return word if fixed == word.lower() else fixed

        return _WORD.sub(replace, text)
