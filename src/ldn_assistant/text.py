"""Tokens for lexical matching: lower-cased words, Snowball stemming (PyStemmer), a small stop list."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

# Words and numbers; decimals such as "4.5" stay one token because doses are written that way.
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not of off on once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves
    s t ll ve re d m also may might must shall us get got im ive dont doesnt isnt cant""".split()
)

_SNOWBALL = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem, so 'blocks', 'blocking' and 'blocked' meet; numbers stay whole."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    return _SNOWBALL.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens, apostrophes folded ("Crohn’s" -> "crohns")."""
    return [w.replace("'", "").replace("’", "") for w in _TOKEN.findall(text.lower())]


def terms(text: str) -> list[str]:
    """Stemmed content tokens used by the lexical index and by triage."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
