"""Decide whether the sources address a question at all, so that the nearest passage is never
passed off as an answer to something the sources never mention (a drug, a population, a use).

The method: every specific word of what is asked (a clinical word or special population of the
profile, a word shaped like a drug's name, or a word rare in everyday English) must be one the corpus
uses, allowing for inflection (Snowball stems), misspelling (edit similarity) and near-synonyms (the
embedding of the word against the embeddings of the corpus's words: 'tiredness' meets 'fatigue'). No
list of topics the sources do or do not cover: that follows the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from wordfreq import zipf_frequency

from .domains import DomainProfile
from .embeddings import Embedder, embed_fixed
from .lexical import BM25Index
from .retrieval import Retrieval
from .safety import looks_like_drug_name
from .text import STOPWORDS, stem, words

_QUESTION_SENTENCE = re.compile(r"[^.!?]*\?")
# A child's age stated in the question ("my 8 year old") is a special population too.
_CHILD_AGE = re.compile(r"\b(1[0-7]|[1-9])[- ]?(year|yr|month)s?[- ]old\b", re.IGNORECASE)
# Cosine between a question word and a corpus word at or above which the word counts as one the sources
# use (all-MiniLM-L6-v2 on single words: 'tiredness'/'fatigue' 0.80, 'alcoholism'/'alcohol' 0.80,
# 'bedtime'/'night' 0.64, 'titration'/'dose' 0.21). Chosen on evals/core.jsonl.
_NEIGHBOUR_COSINE = 0.70
# The closest passage's best-sentence similarity at which a question is covered in meaning even if it uses a rare
# word the sources lack ('titration' for 'increase the dose monthly'). Chosen on evals/core.jsonl.
_CLOSE_DENSE = 0.45
# Below this everyday-English frequency a word names something specific ('tramadol', 'pregnancy' is
# 4.3 and counts only as a clinical word of the profile). 3.5 = about three per million words.
_SPECIFIC_ZIPF = 3.5
_FUZZY_CUTOFF = 88.0  # a misspelling of a word the sources use ('fibromyalga'); shorter words collide


_WORD_VECTORS: dict[tuple[str, str | None, int], np.ndarray] = {}


def _word_vectors(embedder: Embedder, vocabulary: tuple[str, ...]) -> np.ndarray:
    """The corpus words' vectors, shared by every gate in the process over the same corpus and model."""
    key = (embedder.name, getattr(embedder, "backend", None), hash(vocabulary))
    if key not in _WORD_VECTORS:
        if len(_WORD_VECTORS) > 8:  # a process that opens many corpora keeps only the latest few
            _WORD_VECTORS.clear()
        _WORD_VECTORS[key] = np.asarray(embed_fixed(embedder, list(vocabulary)))  # on disk after the first process
    return _WORD_VECTORS[key]


@dataclass(frozen=True)
class EvidenceVerdict:
    answerable: bool
    reason: str
    unknown_terms: tuple[str, ...] = ()


class EvidenceGate:
    """Knows the corpus vocabulary and the profile; judges a question together with what retrieval found."""

    def __init__(self, lexical: BM25Index, profile: DomainProfile, embedder: Embedder | None = None, min_dense: float = 0.25) -> None:
        self.vocabulary = lexical.vocabulary
        self.profile = profile
        self.embedder = embedder
        self._surface = sorted(w for w in lexical.surface_counts if len(w) >= 6)
        # Words the neighbour test compares with: the corpus's content words, embedded on first need.
        self._neighbour_words = sorted(w for w in lexical.surface_counts if len(w) >= 4 and w.isalpha() and w not in STOPWORDS)
        self._neighbour_vectors: np.ndarray | None = None
        self._neighbours: dict[str, bool] = {}  # word -> has a corpus neighbour (bounded: see _prefetch)
        self.min_dense = min_dense
        self.known_lexically = lru_cache(maxsize=8192)(self._known_lexically)

    def known(self, word: str) -> bool:
        """Is this word (its stem, its abbreviation's meaning, a near spelling or a near synonym) one the sources use?"""
        if self.known_lexically(word):
            return True
        self._prefetch([word])
        return self._neighbours.get(word, False)

    def _known_lexically(self, word: str) -> bool:
        if stem(word) in self.vocabulary or word in self.profile.subject_names:
            return True
        meaning = self.profile.abbreviations.get(word)
        if meaning and any(stem(w) in self.vocabulary for w in words(meaning) if w not in STOPWORDS):
            return True
        return bool(len(word) >= 6 and process.extractOne(word, self._surface, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF))

    def _prefetch(self, candidates: list[str]) -> None:
        """Decide, in one encoder batch, which words have a near synonym among the corpus's words."""
        todo = [w for w in dict.fromkeys(candidates) if w not in self._neighbours]
        if not todo:
            return
        if self.embedder is None or not self._neighbour_words:
            self._neighbours.update({w: False for w in todo})
            return
        if self._neighbour_vectors is None:
            self._neighbour_vectors = _word_vectors(self.embedder, tuple(self._neighbour_words))
        best = (np.asarray(self.embedder.embed_documents(todo)) @ self._neighbour_vectors.T).max(axis=1)
        if len(self._neighbours) > 50_000:  # a long-running server sees endless new words
            self._neighbours.clear()
        self._neighbours.update({w: bool(b >= _NEIGHBOUR_COSINE) for w, b in zip(todo, best, strict=True)})

    def specificity(self, word: str) -> str:
        """'subject': names a subject of its own (a clinical word, a special population, a drug), so passages
        that lack it cannot answer; 'rare': a rare word, which may be only a rarer way to ask; '' otherwise."""
        if word in self.profile.subject_names or any(word in c.names for c in self.profile.drug_classes.values()):
            return ""  # the domain's own drug, and drug classes, which the opioid warning covers
        if word in self.profile.clinical_words or word in self.profile.special_populations or looks_like_drug_name(word):
            return "subject"
        return "rare" if zipf_frequency(word, "en") < _SPECIFIC_ZIPF else ""

    def judge(self, question: str, retrieval: Retrieval) -> EvidenceVerdict:
        # What is asked is in the sentences that end with "?"; the rest is often background.
        asked = " ".join(_QUESTION_SENTENCE.findall(question)) or question
        focus = [w for w in words(asked) if w not in STOPWORDS and not w[0].isdigit() and len(w) > 2]
        kinds = {w: self.specificity(w) for w in focus}
        self._prefetch([w for w in focus if kinds[w] and not self.known_lexically(w)])
        unknown = tuple(dict.fromkeys(w for w in focus if kinds[w] == "subject" and not self.known(w)))
        if _CHILD_AGE.search(question):
            unknown += ("a child",)
        if unknown:
            return EvidenceVerdict(False, "the sources never mention: " + ", ".join(unknown), unknown)
        if not retrieval.results:
            return EvidenceVerdict(False, "nothing retrieved")
        # Judged on the closest of the passages found (the most similar, and any sharing a word), not the first: the
        # first is first by the fused score (BM25 counts too), or lifted as the co-use passage of a drug the question
        # names, whatever else it asks. Only looser than judging the first: it never turns an answer away.
        closest = max(r.dense for r in retrieval.results)
        if closest < self.min_dense and not any(r.lexical for r in retrieval.results):
            return EvidenceVerdict(False, "no passage is close to the question")
        # A rare word the sources lack vetoes only when no passage is close in meaning either.
        rare = tuple(dict.fromkeys(w for w in focus if kinds[w] == "rare" and not self.known(w)))
        if rare and closest < _CLOSE_DENSE:
            return EvidenceVerdict(False, "the sources never mention: " + ", ".join(rare), rare)
        return EvidenceVerdict(True, "")
