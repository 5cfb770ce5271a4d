"""Decide whether the sources address a question at all, so that the nearest passage is never
passed off as an answer to something the sources never mention (a drug, a population, a use)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from .lexical import BM25Index
from .lexicon import EXPANSIONS, NALTREXONE_NAMES, OPIOID_NAMES
from .retrieval import Retrieval
from .safety import looks_like_drug_name
from .text import STOPWORDS, stem, terms, words

# People the sources never discuss: a question about them cannot be answered from general passages.
POPULATIONS = frozenset(
    """pregnancy pregnant breastfeeding breastfeed lactation child children kids kid pediatric paediatric infant
    baby babies toddler teen teenager teenage adolescent juvenile elderly geriatric dog dogs cat cats pet pets vet
    veterinary horse insurance insurer medicare medicaid reimbursement reimburse""".split()
)
_CHILD_AGE = re.compile(r"\b(1[0-7]|[1-9])[- ]?(year|yr|month)s?[- ]old\b", re.IGNORECASE)

# Drugs, conditions and topics: when the sources never name them, they cannot answer a question about them.
SPECIFIC_TOPICS = frozenset(
    """coverage liver hepatic kidney kidneys renal lupus psoriasis eczema
    asthma epilepsy parkinson parkinsons alzheimer alzheimers dementia als adhd autism anxiety
    depression bipolar schizophrenia ptsd endometriosis covid ehlers danlos pots lyme gout shingles sciatica
    vitamin vitamins supplement supplements cbd cannabis marijuana grapefruit caffeine coffee vaccine vaccines
    anesthesia half halflife pharmacokinetics bioavailability bloodwork labs bedtime timing cream topical
    sublingual implant liquid capsule capsules stop stopping quit discontinue discontinuing taper tapering hair acne warfarin coumadin heparin eliquis xarelto aspirin ibuprofen advil motrin
    aleve naproxen tylenol acetaminophen paracetamol prednisone steroids steroid insulin metformin ozempic birth
    contraceptive contraceptives ssri ssris snri antidepressant antidepressants benzodiazepine benzodiazepines""".split()
)

# Conditions the sources do cover: a question about one is answerable even when it names, in passing,
# a drug they do not ("LDN for neuropathy, on top of gabapentin?"). Topics such as cost do not count:
# "does Medicare pay for compounded LDN" is about Medicare.
ANCHORS = frozenset(
    """fibromyalgia fibro fm crohn crohns colitis uc ibd ms sclerosis crps arthritis rheumatoid ra psoriatic psa
    osteoarthritis oa neuropathy neuropathic nerve back pelvic abdominal cancer inflammatory autoimmune
    thyroid cystitis hiv""".split()
)
_QUESTION_SENTENCE = re.compile(r"[^.!?]*\?")

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
        # Misspellings keep their first letter and roughly their length; comparing only within such a
        # bucket keeps fuzzy matching cheap on a large vocabulary (difflib is linear in the candidates).
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for term in self.vocabulary:
            self._buckets.setdefault((term[:1], len(term)), []).append(term)
        self.min_dense = min_dense

    @lru_cache(maxsize=8192)
    def known(self, word: str) -> bool:
        """Is this word (or its expansion, or a near spelling) something the sources talk about?"""
        if stem(word) in self.vocabulary or word in NALTREXONE_NAMES or word in OPIOID_NAMES:
            return True
        expansion = EXPANSIONS.get(word)
        if expansion and any(t in self.vocabulary for t in terms(expansion)):
            return True
        if len(word) >= 6:  # a misspelling of a word the sources use; shorter words collide ("liver", "live")
            root = stem(word)
            near = [t for n in range(len(root) - 2, len(root) + 3) for t in self._buckets.get((root[:1], n), ())]
            return bool(difflib.get_close_matches(root, near, n=1, cutoff=0.86))
        return False

    @staticmethod
    def _specific(word: str) -> bool:
        return word in SPECIFIC_TOPICS or looks_like_drug_name(word)

    def judge(self, question: str, retrieval: Retrieval) -> EvidenceVerdict:
        tokens = [w for w in words(question) if w not in STOPWORDS and not w[0].isdigit()]
        people = tuple(w for w in tokens if w in POPULATIONS and not self.known(w))
        if _CHILD_AGE.search(question):
            people += ("a child",)
        if people:
            return EvidenceVerdict(False, "the sources never discuss: " + ", ".join(people), people)
        # What is asked is in the sentences that end with "?"; the rest is often background.
        asked = " ".join(_QUESTION_SENTENCE.findall(question)) or question
        focus = [w for w in words(asked) if w not in STOPWORDS]
        unknown = tuple(w for w in focus if w not in _GENERIC and self._specific(w) and not self.known(w))
        anchored = any(w in ANCHORS for w in focus)
        if unknown and not anchored:
            return EvidenceVerdict(False, "the sources never mention: " + ", ".join(unknown), unknown)
        if not retrieval.results:
            return EvidenceVerdict(False, "nothing retrieved")
        best = retrieval.results[0]
        if best.dense < self.min_dense and best.lexical == 0.0:
            return EvidenceVerdict(False, "no passage is close to the question")
        return EvidenceVerdict(True, "")
