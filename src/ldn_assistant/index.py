"""The built index: sources, passages, lexical index and vectors, and the incremental ingest that makes it.

The ingest runs the steps of ingest_steps in order (diff, keep-last-good, embed, commit, sweep); that
order is what makes it crash-safe, as ingest_steps explains.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .basis import CorpusBasis
from .corpus import scan_corpus
from .embeddings import Embedder, effective_backend, vector_kind
from .ingest_steps import ProgressCallback, commit, diff_corpus, embed_passages, keep_last_good, live_vectors, sweep
from .manifest import (
    FORMAT,
    MANIFEST,
    IndexMissingError,
    check_fingerprint,
    fingerprint_id,
    ingest_lock,
    read_manifest,
)
from .settings import Settings
from .snapshot import Snapshot, embedding_text, passage_of, unit_id, vector_units
from .splitting import SplitSettings
from .store import VectorStore
from .types import IngestReport

if TYPE_CHECKING:
    import numpy as np

# Names other modules and tests import from here; they live in snapshot and ingest_steps.
__all__ = ["Index", "Snapshot", "ingest", "embedding_text", "passage_of", "unit_id", "vector_units", "ProgressCallback"]

COLLECTION_PREFIX = "ldn-"


def split_settings(settings: Settings) -> SplitSettings:
    return SplitSettings(max_chars=settings.max_passage_chars, target_chars=min(420, settings.max_passage_chars))


def fingerprint(settings: Settings) -> dict[str, object]:
    """Everything that changes what is stored: a different value means a different index."""
    kind = vector_kind(effective_backend(settings))
    return {
        "format": FORMAT,
        "embedding_model": settings.embedding_model,
        # torch and fp32 onnx share an index; int8 does not. float32 goes unnamed: it is what every index built
        # before the ONNX backends holds, and naming it would send those (and their collections) to a rebuild.
        **({"embedding_vectors": kind} if kind != "float32" else {}),
        "vectors": "sentence-units-v2",
        **split_settings(settings).fingerprint(),
    }


@dataclass(frozen=True)
class DenseHits:
    """One dense search: passages (position, best sentence similarity), best first, and the sentence
    similarities found in each document (row of Snapshot.document_lexical), best first."""

    passages: list[tuple[int, float]]
    by_document: dict[int, list[float]]


class Index:
    """An opened, committed index: read-only (its snapshot only remembers lookups), safe to share between threads."""

    def __init__(self, settings: Settings, snapshot: Snapshot, store: VectorStore, manifest: dict) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.store = store
        self.manifest = manifest
        # Counted once here, not per query: a committed index does not change under its readers.
        self.vectors = store.count()
        # Vectors of an interrupted ingest may sit in the store uncommitted; fetch enough to skip them.
        self.uncommitted = max(0, self.vectors - manifest.get("vectors", self.vectors))

    @cached_property
    def basis(self) -> CorpusBasis:
        """Kinds and dates of the indexed documents, as recorded at ingest (recomputed for an older index)."""
        recorded = self.manifest.get("basis")
        return CorpusBasis.from_dict(recorded) if recorded else CorpusBasis.from_sources(self.snapshot.sources.values())

    @staticmethod
    def exists(settings: Settings) -> bool:
        return (Path(settings.index_dir) / MANIFEST).exists()

    @classmethod
    def open(cls, settings: Settings) -> Index:
        index_dir = Path(settings.index_dir)
        manifest = read_manifest(index_dir)
        check_fingerprint(manifest, fingerprint(settings), index_dir)
        snapshot_path = index_dir / manifest["snapshot"]
        if not snapshot_path.exists():
            raise IndexMissingError(f"the index in {index_dir} is incomplete ({snapshot_path.name} is missing); run `ldn-assistant ingest`")
        snapshot = Snapshot.from_dict(json.loads(snapshot_path.read_text(encoding="utf-8")))
        return cls(settings, snapshot, VectorStore(settings, manifest["collection"]), manifest)

    def dense_hits(self, embedding: np.ndarray, n: int) -> DenseHits:
        """The nearest committed passages (best sentence each), and every sentence similarity per document."""
        # Passages have about three sentences each; fetch enough sentences to name n passages.
        hits = self.store.query(embedding, min(3 * n + self.uncommitted, self.vectors))
        best: dict[int, float] = {}
        by_document: dict[int, list[float]] = {}
        places = self.snapshot.unit_places([unit for unit, _ in hits])
        for (_, sim), place in zip(hits, places, strict=True):  # best first, so a passage's first sentence is its best
            if place is None:
                continue
            best.setdefault(place[0], sim)
            by_document.setdefault(place[1], []).append(sim)
        return DenseHits(list(best.items())[:n], by_document)


def _committed_collection(index_dir: Path) -> str | None:
    try:
        return json.loads((index_dir / MANIFEST).read_text(encoding="utf-8")).get("collection")
    except (OSError, ValueError, AttributeError):
        return None


def _previous_snapshot(index_dir: Path, expected: dict) -> tuple[Snapshot | None, dict | None]:
    """The committed snapshot when it was built with the same settings; else None (a full rebuild)."""
    try:
        manifest = read_manifest(index_dir)
        check_fingerprint(manifest, expected, index_dir)
        data = json.loads((index_dir / manifest["snapshot"]).read_text(encoding="utf-8"))
        return Snapshot.from_dict(data), manifest
    except (FileNotFoundError, RuntimeError, KeyError, json.JSONDecodeError):
        return None, None


def ingest(settings: Settings, embedder: Embedder, progress: ProgressCallback | None = None, lock_wait: float = 0.0) -> IngestReport:
    """Bring the index in line with the corpus folder, embedding only what is new or changed."""
    started = time.perf_counter()
    index_dir = Path(settings.index_dir)
    corpus_dir = Path(settings.corpus_dir)
    with ingest_lock(index_dir, lock_wait):
        expected = fingerprint(settings)
        previous, old_manifest = _previous_snapshot(index_dir, expected)
        old_collection = _committed_collection(index_dir)
        scan = scan_corpus(corpus_dir, settings.max_file_bytes)

        diff = diff_corpus(scan.sources, previous, split_settings(settings))
        kept = keep_last_good(scan.problems, previous, corpus_dir, diff)
        sources = {**diff.sources, **{s.source_id: s for s in kept.sources}}
        passages = [*diff.passages, *kept.passages]

        store = VectorStore(settings, COLLECTION_PREFIX + fingerprint_id(expected))
        embed_passages(store, embedder, diff.to_embed, sources, max(settings.embedding_batch_size, 1), progress)

        snapshot = Snapshot(sources, passages)
        stored = store.all_ids()
        live = live_vectors(stored, snapshot)
        name = commit(index_dir, snapshot, expected, store.name, len(live), backend=getattr(embedder, "backend", None))
        sweep(index_dir, store, stored - live, name, old_collection)

        return IngestReport(
            added=diff.added,
            updated=diff.updated,
            removed=tuple(sorted(set(previous.sources if previous else ()) - set(sources))),
            unchanged=diff.unchanged,
            skipped=kept.skipped,
            without_metadata=scan.without_metadata,
            passages=len(passages),
            passages_embedded=len(diff.to_embed),
            rebuilt=old_manifest is None,
            seconds=time.perf_counter() - started,
        )
