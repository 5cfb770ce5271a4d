"""Is a question in the assistant's field at all? Decided from the profile and from the corpus itself.

A question is in scope when it names the domain's subject, a drug of a class the profile knows, a
standard abbreviation or a clinical word, or when it uses a word the corpus is about: one far more
frequent in the corpus than in everyday English (its "keyness", measured at index open against the
wordfreq English frequencies). The corpus part needs no list and follows the corpus: add documents
about migraine and "aura" becomes a word of the field.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from wordfreq import zipf_frequency

from .domains import DomainProfile
from .text import STOPWORDS, words

# A word is key to the corpus when its corpus frequency is at least this many times its everyday
# English frequency, and it occurs at least twice. Chosen on evals/core.jsonl (dev): the scope verdicts
# of core's out_of_scope and in-scope cases do not change between 20 and 200.
KEYNESS = 50.0
MIN_COUNT = 2
_FLOOR = 1e-9  # frequency of a word wordfreq has never seen: rarer than anything it lists


def everyday_frequency(word: str) -> float:
    """A word's frequency in everyday English (share of all words), with a floor for unseen words."""
    return max(10 ** (zipf_frequency(word, "en") - 9.0), _FLOOR)


def key_words(counts: Counter[str], keyness: float = KEYNESS, min_count: int = MIN_COUNT) -> frozenset[str]:
    """Words of the corpus that are far more frequent in it than in everyday English."""
    total = max(sum(counts.values()), 1)
    return frozenset(w for w, n in counts.items() if n >= min_count and w.isalpha() and w not in STOPWORDS and (n / total) / everyday_frequency(w) >= keyness)


@dataclass(frozen=True)
class ScopeVerdict:
    in_scope: bool
    reason: str = ""


class ScopeModel:
    """The profile's words plus the corpus's key words."""

    def __init__(self, profile: DomainProfile, corpus_counts: Counter[str]) -> None:
        self.profile = profile
        self.corpus_words = key_words(corpus_counts)
        self.field_words = self.corpus_words | profile.clinical_words | profile.subject_names | set(profile.abbreviations)

    def judge(self, question: str) -> ScopeVerdict:
        tokens = words(question)
        names_subject = any(t in self.profile.subject_names for t in tokens)
        if not names_subject and any(p.search(question) for p in self.profile.off_topic):
            return ScopeVerdict(False, "names a topic outside the assistant's field")
        if names_subject or self.profile.mentions_any_drug(question) or any(t in self.field_words for t in tokens):
            return ScopeVerdict(True)
        return ScopeVerdict(False, "names nothing in the assistant's field")
