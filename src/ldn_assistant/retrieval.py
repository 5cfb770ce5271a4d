"""Hybrid retrieval: dense (Chroma, sentence vectors) and BM25, fused by standardised scores.

Why not reciprocal-rank fusion by default: on this corpus every passage is about LDN, so ranks flatten
real differences in confidence; adding standardised scores keeps them. Measured through Assistant.ask
(hit@1/hit@3, 2026-11-23, while the fitted expansion lists were still in place, so the levels are
not today's; the comparison is): evals/core.jsonl RRF 0.621/0.839, scores 0.770/0.931;
evals/holdout.jsonl RRF 0.658/0.763, scores 0.763/0.895. RRF stays available (Settings.fusion = "rrf").
A passage is also judged with its document (DocumentContext, below).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .cores import usable_cores
from .domains import DomainProfile
from .embeddings import Embedder
from .index import DenseHits, Index
from .lexicon import QueryExpander
from .spelling import Speller
from .types import Passage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentContext:
    """How much a passage inherits from the document around it.

    A passage is judged with its document: on the dense side it gets `dense_weight` times the mean of
    its document's `depth` best sentence similarities, on the lexical side `lexical_weight` times its
    document's BM25. A sentence that restates the question in a document about something else ranks
    below the sentence of a document that is about the question throughout. The weights were chosen on
    the SciFact train claims only (evals/tools/tune_scifact.py); SciFact dev and the LDN suites are
    the held-out measures (docs/eval.md). Zero weights turn the context off.
    """

    # Chosen on the SciFact train claims (809, 505 with rationales), with LEXICAL_WEIGHT: the first grid's best,
    # 2.0 / 3.0 / 1.5, sat at its corner; the grid continued past it (2026-12-02) gave 2.5 / 5.0 / 3.0, train
    # nDCG@10 0.747 -> 0.748, rationale hit@1 0.438 -> 0.448, hit@3 0.768 -> 0.784 (docs/eval.md).
    dense_weight: float = 5.0
    lexical_weight: float = 3.0
    depth: int = 2


# The BM25 side's weight against the dense side in the fused score, chosen with DocumentContext's
# weights on the SciFact train claims (evals/tools/tune_scifact.py; figures at DocumentContext).
LEXICAL_WEIGHT = 2.5


@dataclass(frozen=True)
class Retrieved:
    passage: Passage
    score: float  # fused score: standardised dense similarity plus standardised BM25, over the candidates
    dense: float  # cosine similarity of the passage's best sentence to the question
    lexical: float  # BM25 score of the passage itself (its document's share is in `score` only)


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
        profile: DomainProfile,
        candidates: int = 40,
        dense_weight: float = 1.0,
        lexical_weight: float = LEXICAL_WEIGHT,
        fusion: str = "score",
        rrf_k: int = 60,
        document_context: DocumentContext | None = None,
        co_use: bool = True,
    ) -> None:
        if fusion not in ("score", "rrf"):
            raise ValueError(f"fusion must be 'score' or 'rrf', not {fusion!r}")
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.context = document_context or DocumentContext()
        self.expander = QueryExpander(profile)
        corpus_words = index.snapshot.lexical.surface_words
        self.speller = Speller(corpus_words | profile.vocabulary(), corpus_words | profile.vocabulary())
        self.co_use = co_use
        self.subject = _corpus_name_for(profile.subject_names, index.snapshot.lexical.surface_counts)
        if co_use and self.subject is None and profile.drug_classes:
            log.info("retrieval: the corpus never names the subject (%s); no co-use passage is lifted", ", ".join(sorted(profile.subject_names)))

    def query_text(self, question: str) -> str:
        """What the embedder reads: the question spelling-corrected, with glosses for names it may not know.

        Triage embeds this same text, so one encoder call serves both.
        """
        return self.expander.gloss(self.speller.correct(question))

    def dense_in_background(self, query_vector: np.ndarray, k: int) -> Future[DenseHits] | None:
        """Start the dense side of search(question, k, query_vector) on a worker thread, to pass to search() as `dense`.

        Chroma's query releases the GIL while it runs (about 1.2 ms after an encoder run), so ask() runs triage's
        classifier and its scope checks meanwhile instead of before it. A question those stop (an emergency, out of
        scope) cancels it or leaves the result unread. None when this retriever has no dense side, or when no worker
        can take it (search() then runs the dense side itself)."""
        if not self.dense_weight:
            return None
        running = threading.Event()

        def run() -> DenseHits:
            running.set()
            return self.index.dense_hits(query_vector, self._candidates_for(k))

        try:
            future = _dense_workers().submit(run)
        except RuntimeError:  # the interpreter is shutting down, or no thread can be started
            return None
        # Wait until the worker runs: a thread that only asked for the GIL gets it when this one blocks, which would
        # be at future.result(), after the work meant to overlap the query (measured: 0.5 ms from submit to start,
        # 0.1 ms with this wait). Not for long: with every worker busy (many questions at once), go on meanwhile.
        running.wait(WORKER_START_WAIT_S)
        return future

    def search(self, question: str, k: int, query_vector: np.ndarray | None = None, dense: Future[DenseHits] | None = None) -> Retrieval:
        """The k best passages. `query_vector`: the embedding of query_text(question), when already computed;
        `dense`: dense_in_background(query_vector, k), when already started."""
        question = self.speller.correct(question)
        expansion = self.expander.expansion_terms(question)
        search_text = f"{question} {expansion}".strip()
        n_candidates = self._candidates_for(k)
        hits = None
        if self.dense_weight:
            # Run here unless started early and running: one still queued (every worker busy, or a forked child whose
            # workers are gone) is cancelled.
            if dense is None or dense.cancel():
                # The embedder reads the question as asked, with glosses; the keyword expansion would blur
                # its sense of the question (measured: worse).
                if query_vector is None:
                    query_vector = self.embedder.embed_query(self.expander.gloss(question))
                hits = self.index.dense_hits(query_vector, n_candidates)
            else:
                hits = dense.result()
        lexical = self.index.snapshot.lexical.scores(search_text) if self.lexical_weight else None
        lexical_side = self._with_document_lexical(lexical, search_text) if lexical is not None else None

        candidates = {pos for pos, _ in hits.passages} if hits else set()
        if lexical_side is not None:
            candidates.update(self._top(lexical_side, n_candidates))
        if not candidates:
            return Retrieval(question, search_text, ())
        positions = np.fromiter(candidates, dtype=np.int64)
        dense_sim = np.zeros(len(positions), dtype=np.float32)
        dense_side: np.ndarray = dense_sim  # float64 once the document context is added
        if hits and hits.passages:
            found = dict(hits.passages)
            # A passage the dense side did not return scores as the weakest one it did return.
            floor = min(found.values())
            dense_sim = np.array([found.get(int(p), floor) for p in positions], dtype=np.float32)
            weight = self.context.dense_weight
            dense_side = dense_sim + weight * self._document_dense(hits, positions, floor) if weight else dense_sim
        bm25 = lexical[positions] if lexical is not None else np.zeros(len(positions), dtype=np.float32)
        lexical_ranked = lexical_side[positions] if lexical_side is not None else bm25
        if self.fusion == "rrf":
            fused = self.dense_weight * _reciprocal_rank(dense_side, self.rrf_k) + self.lexical_weight * _reciprocal_rank(lexical_ranked, self.rrf_k)
        else:
            # Scores of the two sides live on different scales; standardise each over the candidates, then add.
            fused = self.dense_weight * _standardise(dense_side) + self.lexical_weight * _standardise(lexical_ranked)
        lifted = self._co_use(question, positions, n_candidates)
        if lifted is not None:
            # A question that names a drug of one of the profile's classes ("I'm on tramadol ...") also asks about the
            # subject taken with that class, whatever else it asks: the candidate that best speaks of the two together
            # is lifted to first place (its score 1 above the best), and the rest keep the question's own order.
            fused = fused.copy()
            fused[lifted] = float(fused.max()) + 1.0
        order = np.lexsort((-dense_sim, -fused))[:k]
        passages = self.index.snapshot.passages
        results = tuple(Retrieved(passages[int(positions[i])], float(fused[i]), float(dense_sim[i]), float(bm25[i])) for i in order)
        return Retrieval(question, search_text, results)

    def _candidates_for(self, k: int) -> int:
        """Passages taken from each side before fusion for k results: the early dense search fetches the same."""
        return max(self.candidates, k)

    def _with_document_lexical(self, passage_bm25: np.ndarray, search_text: str) -> np.ndarray:
        """What the lexical side ranks by: each passage's BM25 plus its document's, scaled by the context weight."""
        snapshot = self.index.snapshot
        if not self.context.lexical_weight or not len(passage_bm25):
            return passage_bm25
        return passage_bm25 + self.context.lexical_weight * snapshot.document_lexical.scores(search_text)[snapshot.document_rows]

    def _document_dense(self, hits: DenseHits, positions: np.ndarray, floor: float) -> np.ndarray:
        """Per candidate: the mean of its document's `depth` best sentence similarities among the hits,
        padded with the floor (a document with one matching sentence is weaker evidence than one with two)."""
        depth = self.context.depth
        means = {row: float(np.mean((sims + [floor] * depth)[:depth])) for row, sims in hits.by_document.items()}
        rows = self.index.snapshot.document_rows[positions]
        return np.array([means.get(int(r), floor) for r in rows], dtype=np.float32)

    def _co_use(self, question: str, positions: np.ndarray, n: int) -> int | None:
        """When the question names a drug of a class (of several, the first in the profile's order): the index, among
        `positions`, of the candidate whose best sentence is nearest "<subject> with <class gloss>"; else None (also
        when no candidate is among that search's hits). The subject is named as the corpus most often names it: the
        encoder ties "LDN" to "low dose naltrexone" only loosely. One more encoder call, on such questions only; none
        for a search without its dense side (bm25-only), which is to use no vectors at all."""
        if not self.co_use or not self.dense_weight or self.subject is None:
            return None
        drug_class = next((c for c in self.expander.profile.drug_classes.values() if c.names_a_drug(question)), None)
        if drug_class is None:
            return None
        hits = self.index.dense_hits(self.embedder.embed_query(f"{self.subject} with {drug_class.gloss}"), n)
        candidate = {int(p): i for i, p in enumerate(positions)}
        # hits.passages is best first: the first one that is a candidate is the one to lift.
        return next((candidate[pos] for pos, _ in hits.passages if pos in candidate), None)

    def _top(self, scores: np.ndarray, n: int) -> np.ndarray:
        """Positions of the n best-scoring passages with a non-zero score (vectorised, no loop over passages)."""
        n = min(n, int(np.count_nonzero(scores)))
        if n == 0:
            return np.empty(0, dtype=np.int64)
        return np.argpartition(-scores, n - 1)[:n]


WORKER_START_WAIT_S = 0.002  # how long a question waits for its early dense search to start (it takes about 0.1 ms)
# The workers mostly wait on Chroma (the GIL released) or sit idle, so there are more of them than cores, and their
# number does not follow OMP_NUM_THREADS (which caps compute threads): questions asked at once should not queue.
MIN_DENSE_WORKERS = 4
_DENSE_WORKERS: list[ThreadPoolExecutor] = []  # one pool for the process, made at the first early dense search
_DENSE_WORKERS_LOCK = threading.Lock()


def _dense_workers() -> ThreadPoolExecutor:
    """The threads early dense searches run on, shared by every retriever in the process (an app may open many
    indexes); made on demand, idle between questions."""
    with _DENSE_WORKERS_LOCK:
        if not _DENSE_WORKERS:
            _DENSE_WORKERS.append(ThreadPoolExecutor(max_workers=max(MIN_DENSE_WORKERS, usable_cores()), thread_name_prefix="ldn-dense"))
        return _DENSE_WORKERS[0]


# A forked child inherits the pool but not its threads: it makes a pool of its own at its first question.
os.register_at_fork(after_in_child=_DENSE_WORKERS.clear)


def _corpus_name_for(names: Iterable[str], counts: Mapping[str, int]) -> str | None:
    """Of a subject's one-word names, the one the corpus uses most (ties: the alphabetically first), None when it uses
    none: the name its passages match. `counts` holds single words, so a name of several words is never chosen."""
    used = [(-counts.get(name, 0), name) for name in names if counts.get(name, 0)]
    return min(used)[1] if used else None


def _reciprocal_rank(values: np.ndarray, k: int) -> np.ndarray:
    """1 / (k + rank) of each candidate, rank 1 for the highest value."""
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
    return 1.0 / (k + ranks)


def _standardise(values: np.ndarray) -> np.ndarray:
    """(values - mean) / standard deviation of a 1-D array, the deviation from one dot product: 11 against 25-31 µs
    for ndarray.std() and the same arithmetic on a question's few dozen candidates, twice per question."""
    if not len(values):
        return values.copy()
    centred = values - values.mean()
    spread = float(np.sqrt(np.dot(centred, centred) / len(values)))
    if spread < 1e-9:
        return np.zeros_like(values)
    return centred / spread
