"""Hybrid retrieval: dense (Chroma) and BM25, fused by reciprocal rank, after lexicon expansion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embeddings import Embedder
from .index import Index
from .lexicon import expansion_terms
from .types import Passage


@dataclass(frozen=True)
class Retrieved:
    passage: Passage
    score: float  # fused reciprocal-rank score
    dense: float  # cosine similarity to the question (0 when the dense side did not return it)
    lexical: float  # BM25 score


@dataclass(frozen=True)
class Retrieval:
    """The ranked candidates, plus the query as it was searched."""

    question: str
    search_text: str
    results: tuple[Retrieved, ...]


class HybridRetriever:
    """Searches one opened index with one embedder; one query embedding per question."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        candidates: int = 20,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight

    def search(self, question: str, k: int) -> Retrieval:
        expansion = expansion_terms(question)
        search_text = f"{question} {expansion}".strip()
        dense = self.index.dense(self.embedder.embed_query(search_text), self.candidates) if self.dense_weight else []
        lexical = self._lexical(search_text) if self.lexical_weight else []

        fused: dict[str, list] = {}  # passage id -> [passage, score, dense, lexical]
        for rank, (passage, sim) in enumerate(dense):
            fused[passage.passage_id] = [passage, self.dense_weight / (self.rrf_k + rank + 1), sim, 0.0]
        for rank, (passage, bm25) in enumerate(lexical):
            entry = fused.setdefault(passage.passage_id, [passage, 0.0, 0.0, 0.0])
            entry[1] += self.lexical_weight / (self.rrf_k + rank + 1)
            entry[3] = bm25
        ranked = sorted(fused.values(), key=lambda e: (-e[1], -e[2]))[:k]
        return Retrieval(question, search_text, tuple(Retrieved(p, s, d, lx) for p, s, d, lx in ranked))

    def _lexical(self, text: str) -> list[tuple[Passage, float]]:
        scores = self.index.snapshot.lexical.scores(text)
        n = min(self.candidates, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]  # no Python loop over the passages
        top = top[np.argsort(-scores[top], kind="stable")]
        passages = self.index.snapshot.passages
        return [(passages[i], float(scores[i])) for i in top]
