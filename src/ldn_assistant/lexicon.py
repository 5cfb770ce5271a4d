"""Query expansion from the domain profile: what an abbreviation means, what class a drug belongs to.

Expansion only adds search words and glosses; it never changes what is quoted. Every word it adds
comes from the profile (true whatever the corpus says: MS is multiple sclerosis, tramadol is an
opioid), never from a list fitted to the corpus.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .domains import DomainProfile


class QueryExpander:
    """Glosses for the embedder and extra words for BM25, both from one profile."""

    def __init__(self, profile: DomainProfile) -> None:
        self.profile = profile
        self._abbreviation = (
            re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in sorted(profile.abbreviations, key=len, reverse=True)) + r")(?![\w-])", re.IGNORECASE)
            if profile.abbreviations
            else None
        )
        self.gloss = lru_cache(maxsize=4096)(self._gloss)
        self.expansion_terms = lru_cache(maxsize=4096)(self._expansion_terms)

    def _abbreviation_matches(self, question: str) -> list[re.Match[str]]:
        # Upper-case "MS" or "IC" is the abbreviation; lower-case "me" or "ms" in running text is often a word.
        if self._abbreviation is None:
            return []
        return [m for m in self._abbreviation.finditer(question) if not m.group(1).islower() or len(m.group(1)) > 3]

    def _gloss(self, question: str) -> str:
        """The question with a short gloss after each abbreviation and drug name: "on tramadol (opioid medication)"."""
        glossed = question
        for m in reversed(self._abbreviation_matches(question)):
            glossed = glossed[: m.end()] + f" ({self.profile.abbreviations[m.group(1).lower()]})" + glossed[m.end() :]
        for drug_class in self.profile.drug_classes.values():
            glossed = drug_class.pattern.sub(
                lambda m: m.group(0) if m.group(0).lower() in (drug_class.name, drug_class.name + "s") else f"{m.group(0)} ({drug_class.gloss})",  # noqa: B023 (sub() calls it at once)
                glossed,
            )
        return glossed

    def _expansion_terms(self, question: str) -> str:
        """The extra search words a question implies, in the order found, without repeats."""
        seen: list[str] = []
        for m in self._abbreviation_matches(question):
            meaning = self.profile.abbreviations[m.group(1).lower()]
            if meaning not in seen:
                seen.append(meaning)
        for drug_class in self.profile.drug_classes.values():
            if drug_class.mentioned_in(question) and drug_class.gloss not in seen:
                seen.append(drug_class.gloss)
        return " ".join(seen)
