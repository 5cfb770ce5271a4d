"""Decide whether the sources address a question at all, so that the nearest passage is never
passed off as an answer to something the sources never mention (a drug, a population, a use)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from .lexical import BM25Index
from .lexicon import EXPANSIONS, NALTREXONE_NAMES, OPIOID_NAMES
from .retrieval import Retrieval
from .safety import DOMAIN_WORDS, _DRUG_SUFFIX, _COMMON_INE_WORDS
from .text import STOPWORDS, stem, terms, words

# Who or what a question can be about that, when the sources never name it, means they cannot answer.
SPECIFIC_TOPICS = frozenset(
    """pregnancy pregnant breastfeeding breastfeed nursing lactation child children kids kid pediatric paediatric infant
    baby teen teenager adolescent elderly senior seniors geriatric dog dogs cat cats pet pets vet veterinary horse
    insurance medicare medicaid covered coverage reimbursement liver hepatic kidney kidneys renal lupus psoriasis eczema
    asthma diabetes diabetic epilepsy parkinson parkinsons alzheimer alzheimers dementia als adhd autism anxiety
    depression bipolar schizophrenia ptsd endometriosis covid ehlers danlos pots lyme gout shingles sciatica
    vitamin vitamins supplement supplements cbd cannabis marijuana alcohol grapefruit caffeine coffee vaccine vaccines
    surgery anesthesia driving drive half-life halflife pharmacokinetics bioavailability blood labs lab test tests
    morning bedtime night timing liquid capsule capsules cream topical sublingual injection implant stopping stop
    quit taper tapering withdrawal-from-ldn hair loss acne weight-gain""".split()
)

# Words that carry no subject of their own in a question about LDN.
_GENERIC = frozenset(
    """ldn naltrexone low dose doses dosing dosage pain chronic take taking took use using used help helps helped good
    bad work works worked need know tell say ok okay safe safely really much many long time anything something thing
    things people someone anyone patient patients doctor doctors mg day daily treat treatment effect effects""".split()
)


@dataclass(frozen=True)
class EvidenceVerdict:
    answerable: bool
    reason: str
    unknown_terms: tuple[str, ...] = ()


class EvidenceGate:
    """Knows the corpus vocabulary; judges a question together with what retrieval found for it."""

    def __init__(self, lexical: BM25Index, min_dense: float = 0.25) -> None:
        self.vocabulary = lexical.vocabulary
        self._stems = tuple(self.vocabulary)
        self.min_dense = min_dense

    @lru_cache(maxsize=8192)
    def known(self, word: str) -> bool:
        """Is this word (or its expansion, or a near spelling) something the sources talk about?"""
        if stem(word) in self.vocabulary or word in NALTREXONE_NAMES or word in OPIOID_NAMES:
            return True
        expansion = EXPANSIONS.get(word)
        if expansion and any(t in self.vocabulary for t in terms(expansion)):
            return True
        if len(word) >= 5:  # a misspelling of a word the sources use
            return bool(difflib.get_close_matches(stem(word), self._stems, n=1, cutoff=0.84))
        return False

    def _specific(self, word: str) -> bool:
        return (
            word in SPECIFIC_TOPICS
            or word in DOMAIN_WORDS
            or (len(word) >= 6 and _DRUG_SUFFIX.search(word) is not None and word not in _COMMON_INE_WORDS)
        )

    def judge(self, question: str, retrieval: Retrieval) -> EvidenceVerdict:
        tokens = [w for w in words(question) if w not in STOPWORDS and not w[0].isdigit()]
        unknown = tuple(w for w in tokens if w not in _GENERIC and self._specific(w) and not self.known(w))
        if unknown:
            return EvidenceVerdict(False, "the sources never mention: " + ", ".join(unknown), unknown)
        if not retrieval.results:
            return EvidenceVerdict(False, "nothing retrieved")
        best = retrieval.results[0]
        if best.dense < self.min_dense and best.lexical == 0.0:
            return EvidenceVerdict(False, "no passage is close to the question")
        return EvidenceVerdict(True, "")
