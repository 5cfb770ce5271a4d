"""Assistant: the one facade the UI, the CLI, the evals and other apps use."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from .answer import Composer, cite
from .basis import UNKNOWN_CORPUS
from .conflicts import ConflictFinder
from .domains import DomainProfile, load_profile
from .embeddings import Embedder, embed_with_peaks, make_embedder, split_peaks
from .evidence import EvidenceGate
from .index import DenseHits, Index, ProgressCallback, ingest
from .retrieval import LEXICAL_WEIGHT, DocumentContext, HybridRetriever
from .safety import QuestionError, asks_to_steer, clean_question
from .scope import ScopeModel
from .settings import Settings
from .triage import EmergencyDetector, EmergencySignal
from .types import Answer, CitedPassage, IngestReport, Source

log = logging.getLogger("ldn_assistant")


class Assistant:
    """Answers questions about LDN for chronic pain with verbatim, cited passages and fixed disclaimers.

    Collaborators are injected (an embedder, an opened index) or built from settings; the model
    loads on first use. One Assistant is safe to share between threads.
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None, index: Index | None = None) -> None:
        self.settings = settings or Settings()
        self.embedder: Embedder = embedder or make_embedder(self.settings)
        self._index = index
        self._lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        self._gate: EvidenceGate | None = None
        self._scope: ScopeModel | None = None
        self._conflicts: ConflictFinder | None = None
        self.profile: DomainProfile = load_profile(self.settings.domain)
        self.compose = Composer(self.profile, evidence_status=lambda: self.evidence_status)
        self.detector = EmergencyDetector(self.profile, self.embedder)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, build_if_missing: bool = True, **overrides: Any) -> Assistant:
        """An Assistant over the index in settings.index_dir, building it first when there is none.

        `overrides` are Settings fields, e.g. `Assistant.from_settings(corpus_dir="my_docs", top_k=3)`.
        """
        if settings is None:
            settings = Settings(**overrides)  # validated, like values from the environment
        elif overrides:
            settings = settings.model_copy(update=overrides)
        assistant = cls(settings)
        if build_if_missing and not Index.exists(settings):
            assistant.ingest()
        _ = assistant.index  # open now, so a stale or mismatched index fails here with its message
        return assistant

    # --- the index --------------------------------------------------------------------------

    @property
    def index(self) -> Index:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = Index.open(self.settings)
        return self._index

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            self._retriever = HybridRetriever(
                self.index,
                self.embedder,
                self.profile,
                candidates=self.settings.candidates,
                lexical_weight=self._lexical_weight(),
                fusion=self.settings.fusion,
                rrf_k=self.settings.rrf_k,
                document_context=self._document_context(),
            )
        return self._retriever

    def _lexical_weight(self) -> float:
        """BM25's weight in the fused score: the user's setting, else the profile's, else the engine's."""
        return _first_set(self.settings.lexical_weight, self.profile.retrieval.lexical_weight, LEXICAL_WEIGHT)

    def _document_context(self) -> DocumentContext:
        """The user's setting, else the profile's default for its kind of collection, else the engine's."""
        engine, profile = DocumentContext(), self.profile.retrieval
        return DocumentContext(
            _first_set(self.settings.document_dense_weight, profile.document_dense_weight, engine.dense_weight),
            _first_set(self.settings.document_lexical_weight, profile.document_lexical_weight, engine.lexical_weight),
        )

    @property
    def gate(self) -> EvidenceGate:
        if self._gate is None:
            self._gate = EvidenceGate(self.index.snapshot.lexical, self.profile, self.embedder)
        return self._gate

    @property
    def scope(self) -> ScopeModel:
        if self._scope is None:
            self._scope = ScopeModel(self.profile, self.index.snapshot.lexical.surface_counts)
        return self._scope

    @property
    def conflicts(self) -> ConflictFinder:
        if self._conflicts is None:
            self._conflicts = ConflictFinder.from_lexical(self.index.snapshot.lexical)
        return self._conflicts

    @property
    def evidence_status(self) -> str | None:
        """The profile's evidence-status text, naming the kinds and dates of the indexed documents."""
        try:
            corpus = self.index.basis.describe()
        except Exception:  # an emergency or an error is still answered, with the disclaimers, if the index fails
            # Logged, so a bug here is seen rather than hidden behind the fallback text (no question is involved).
            log.warning("evidence status: the index's corpus basis could not be read", exc_info=True)
            corpus = UNKNOWN_CORPUS
        return self.profile.evidence_status(corpus)

    def about(self, report_path: Path | None = None) -> str:
        """The About page as Markdown: intended use and users, inputs, method, data sources with kinds and
        dates, the latest validation results (settings.ui_eval_report unless given), limits."""
        from . import __version__
        from .about import about_markdown

        return about_markdown(
            self.sources(),
            report_path or self.settings.ui_eval_report,
            model=self.settings.embedding_model,
            version=__version__,
            evidence_status=self.evidence_status,
            basis=self.index.basis,
        )

    def ingest(self, progress: ProgressCallback | None = None, lock_wait: float = 0.0) -> IngestReport:
        """Bring the index in line with the corpus folder, then serve the new index."""
        report = ingest(self.settings, self.embedder, progress=progress, lock_wait=lock_wait)
        with self._lock:
            self._index, self._retriever, self._gate, self._scope, self._conflicts = None, None, None, None, None
        return report

    def warm_up(self) -> None:
        """Load the model and the index now rather than on the first question."""
        vector = self.embedder.embed_query("warm up")
        # As ask() searches, the dense side started early on a worker thread (the pool made here, not at the first question).
        self.retriever.search("warm up", 1, query_vector=vector, dense=self.retriever.dense_in_background(vector, 1))
        self.detector.warm_up()
        _ = self.gate, self.scope, self.conflicts  # built now (lazy properties), not on the first question

    # --- questions ----------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        """Answer one question. Raises ValueError (QuestionError) for a question that cannot be read."""
        text = clean_question(question, self.settings.max_question_chars)
        result = self._answer(text)
        self._audit(result)
        return result

    def answer(self, question: str) -> Answer:
        """Like ask(), but never raises: an unreadable question or a failure is an Answer with status
        'error' and a notice, still with the disclaimers. For UIs and services."""
        try:
            return self.ask(question)
        except QuestionError as exc:
            return self.compose.error(question if isinstance(question, str) else "", f"Cannot answer: {exc}.")
        except Exception:  # a service must answer; the traceback goes to the log, not the user
            log.exception("answering failed")
            return self.compose.error(question if isinstance(question, str) else "")

    def retrieve(self, text: str, k: int = 10) -> tuple[CitedPassage, ...]:
        """The k best passages for a text, best first: no triage, no evidence gate, no disclaimers.

        For retrieval-only use and benchmarks; the citations are the same objects answers carry.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        retrieval = self.retriever.search(text, k)
        return cite(retrieval.results, self.index.snapshot.sources)

    def triage(self, question: str) -> EmergencySignal:
        """The emergency check alone, as ask() runs it (one batched encoder call when the profile has exemplars)."""
        return self._triage(question)[0]

    def _triage(self, question: str, embedded: Callable[[np.ndarray], None] | None = None) -> tuple[EmergencySignal, np.ndarray | None]:
        """Triage's verdict, and the query vector retrieval reuses (None when nothing was embedded).

        Patterns first, with no model and no index: an emergency they recognise stands even if those fail.
        `embedded` is called with the query vector as soon as it exists, before the classifier runs; if it fails, it is
        logged and triage goes on (it only starts work for later)."""
        screen = self.detector.screen(question)
        query_vector = triage_vectors = None
        step = "embedding"
        try:
            if not screen.decided and self.detector.needs_embedding:
                # The screen already split the message into the sentences layer 2 reads: no second split.
                query_vector, triage_vectors = self._embed_for_triage(question, screen.texts[1:])
                if embedded is not None and query_vector is not None:
                    try:
                        embedded(query_vector)
                    except Exception as exc:  # a speed-up must never take the classifier's verdict away
                        log.warning("triage: starting the early search failed (%s); the search runs later", type(exc).__name__)
            step = "the classifier"
            return self.detector.finish(screen, triage_vectors), query_vector
        except Exception as exc:
            # Layer 2 could only have overruled layer 1's emergency; without it, the emergency stands.
            if not screen.signal.emergency:
                raise
            log.warning("triage: %s failed (%s); the pattern's emergency stands", step, type(exc).__name__)
            return screen.signal, query_vector

    def _embed_for_triage(self, question: str, windows: Sequence[str] | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(query vector for retrieval, rows triage reads), from one encoder call.

        The first row embeds the text retrieval searches with (the question spelling-corrected and glossed), so
        triage adds no encoder call for a one-sentence question; a longer message adds its sentences to the same
        batch (`windows`: detector.windows(question) when not given). The rows line up with
        detector.screen(question).texts, which the word model reads as written. Each row is the unit vector followed
        by the token-wise maxima of the same run (embeddings.embed_with_peaks).
        """
        if not self.detector.needs_embedding:
            return None, None
        query = self.retriever.query_text(question)
        rows = embed_with_peaks(self.embedder, [query, *(self.detector.windows(question) if windows is None else windows)])
        return split_peaks(rows[0])[0], rows

    def _answer(self, question: str) -> Answer:
        top_k = self.settings.top_k
        retriever = self.retriever  # the early search and the search itself on one index, even if an ingest replaces it
        started: list[Future[DenseHits] | None] = []
        # The dense search starts as soon as the question is embedded and runs while triage and the scope checks
        # decide whether it is needed (docs/bench.md); an answer that stops before retrieval cancels it if it can.
        signal, query_vector = self._triage(question, embedded=lambda vector: started.append(retriever.dense_in_background(vector, top_k)))
        dense = started[0] if started else None
        if signal.emergency:
            return _without_retrieval(self.compose.emergency(question), dense)
        if asks_to_steer(question):
            return _without_retrieval(self.compose.out_of_scope(question, instruction=True), dense)
        if not self.scope.judge(retriever.speller.correct(question)).in_scope:
            return _without_retrieval(self.compose.out_of_scope(question), dense)
        retrieval = retriever.search(question, top_k, query_vector=query_vector, dense=dense)
        if not self.gate.judge(question, retrieval).answerable:
            return self.compose.no_evidence(question, crisis_note=signal.crisis_note)
        return self.compose.answered(question, retrieval.results, self.index.snapshot.sources, crisis_note=signal.crisis_note, finder=self.conflicts)

    def _audit(self, result: Answer) -> None:
        """Opt-in only: questions may hold patient information."""
        path = self.settings.audit_log
        if path is None:
            return
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "question": result.question,
            "status": result.status,
            "sources": [f"{p.source_id}:{p.start}-{p.end}" for p in result.passages],
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    # --- sources --------------------------------------------------------------------------------

    def sources(self) -> list[Source]:
        return list(self.index.snapshot.sources.values())

    def get_source(self, source_id: str) -> Source:
        """The indexed document: `.text` is what every citation's offsets point into."""
        try:
            return self.index.snapshot.sources[source_id]
        except KeyError:
            known = ", ".join(sorted(self.index.snapshot.sources)) or "none"
            raise KeyError(f"no source {source_id!r}; known sources: {known}") from None


def _without_retrieval(answer: Answer, dense: Future[DenseHits] | None) -> Answer:
    """An answer that needs no passages: the early dense search is cancelled if no worker has started it yet."""
    if dense is not None:
        dense.cancel()
    return answer


def _first_set(setting: float | None, from_profile: float | None, engine_default: float) -> float:
    """A retrieval weight: the user's setting, else the profile's default for its collections, else the engine's."""
    return setting if setting is not None else from_profile if from_profile is not None else engine_default
