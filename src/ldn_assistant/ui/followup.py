"""Short follow-up questions ("and the side effects?", "what dose?") read in the context of the
previous question.

This only changes what is searched. Nothing here is ever shown as an answer: the search question
it builds is shown to the user as the question that was searched, and the answer is still made of
quotes. The follow-up's own words are always kept whole in the search question, so triage still
sees every word the user typed (an emergency or an instruction in a follow-up is still caught).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..domains import load_profile
from ..text import STOPWORDS, words

_PROFILE = load_profile("ldn")

# A follow-up is short; a longer question stands on its own.
MAX_FOLLOW_UP_WORDS = 8

# Openings that tie a question to the one before it.
_LEADS = re.compile(
    r"^\s*(and|but|also|plus|or|so|then|what about|how about|what of|same for|and what about|and how about)\b",
    re.IGNORECASE,
)

# Words that point back at something said before.
_BACK_REFERENCES = frozenset("it its that this those these them they same".split())

# What a question asks about (dose, safety, ...): a follow-up changes this and keeps the subject.
_ASPECT_WORDS = frozenset(
    """dose doses dosage dosing mg milligram milligrams much many often long work works working worked help helps
    helped effective effectiveness efficacy effect effects side adverse safe safety risk risks danger dangerous
    take taking taken use used using start starting started stop stopping cost costs price expensive cheap
    evidence study studies trial trials research results know tell say good bad best better ok okay need needs
    prescribe prescribed prescribing approved approval fda label legal buy get available how what when where why
    which who whom whose does do did can could should would will shall may might must is are was were be been""".split()
)

# Conditions: a follow-up naming one ("what about MS?") replaces the previous one instead of adding to it.
_CONDITIONS = frozenset(
    """fibromyalgia fibro fm fms arthritis rheumatoid psoriatic osteoarthritis ra psa oa crohn crohns colitis ibd uc
    sclerosis ms crps rsd neuropathy neuropathic migraine migraines headache headaches lupus autoimmune thyroid
    hashimoto cancer cystitis ic endometriosis back covid pots mcas lyme dpn lbp""".split()
)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class SearchQuestion:
    """What the user asked, and what was searched for it (the same text unless it was a follow-up)."""

    asked: str
    searched: str
    topic: tuple[str, ...] = ()

    @property
    def follow_up(self) -> bool:
        return self.searched != self.asked


def _lower(word: str) -> str:
    return word.lower().replace("’", "'").replace("'", "")


def topic_words(question: str) -> tuple[str, ...]:
    """The subject of a question, in its own spelling: what it is about, minus what it asks.

    "Is LDN effective for fibromyalgia?" -> ("LDN", "fibromyalgia").
    """
    seen: list[str] = []
    for word in _WORD.findall(question):
        low = _lower(word)
        if low in STOPWORDS or low in _ASPECT_WORDS or low in _BACK_REFERENCES or len(low) < 2:
            continue
        if low not in (_lower(s) for s in seen):
            seen.append(word)
    return tuple(seen)


def _names_drug(question: str) -> bool:
    return any(t in _PROFILE.subject_names for t in words(question)) or _PROFILE.mentions_any_drug(question)


def is_follow_up(question: str) -> bool:
    """Does this question lean on the one before it (short, and either opens like a follow-up or
    names no drug of its own while pointing back or naming something clinical)?"""
    tokens = words(question)
    if not tokens or len(tokens) > MAX_FOLLOW_UP_WORDS:
        return False
    if _LEADS.match(question):
        return True
    if _names_drug(question):
        return False  # "Is LDN safe?" stands on its own
    return any(t in _BACK_REFERENCES or t in _PROFILE.clinical_words for t in tokens)


def resolve_follow_up(question: str, previous: str | None) -> SearchQuestion:
    """The question to search: the question itself, or, for a follow-up, the question followed by the
    subject of the previous one ("what dose?" after "Is LDN effective for fibromyalgia?" searches
    "what dose? — LDN fibromyalgia"). `previous` is the previous *searched* question, so a chain of
    follow-ups keeps its subject."""
    asked = question if isinstance(question, str) else ""
    if not previous or not asked.strip() or not is_follow_up(asked):
        return SearchQuestion(asked, asked)
    own = {_lower(w) for w in _WORD.findall(asked)}
    swaps_condition = bool(own & _CONDITIONS)
    topic = tuple(w for w in topic_words(previous) if _lower(w) not in own and not (swaps_condition and _lower(w) in _CONDITIONS))
    if not topic:
        return SearchQuestion(asked, asked)
    return SearchQuestion(asked, f"{asked.strip()} — {' '.join(topic)}", topic)
