"""The built index: sources, passages, lexical index and vectors, and the incremental ingest that makes it.

Crash safety comes from the order of writes. New vectors are added first, under content-hash ids;
then the snapshot and the manifest are renamed into place (the commit); only then are stale
vectors deleted. A reader trusts only the passages the committed snapshot lists, so an ingest
killed at any moment leaves the previous index whole, and the next ingest sweeps up what it left.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from .corpus import scan_corpus
from .embeddings import Embedder, effective_backend, vector_kind
from .lexical import BM25Index
from .manifest import (
    FORMAT,
    MANIFEST,
    IndexMissingError,
    check_fingerprint,
    fingerprint_id,
    ingest_lock,
    read_manifest,
    write_json_atomic,
)
from .settings import Settings
from .splitting import SplitSettings, passage_units, split_source
from .store import VectorStore
from .types import FileProblem, IngestReport, Passage, Source

COLLECTION_PREFIX = "ldn-"
BATCHES_PER_WRITE = 16  # encoder batches embedded per store write: 1,024 vectors at the default batch of 64
ProgressCallback = Callable[[int, int], None]


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


def unit_id(passage_id: str, n: int) -> str:
    return f"{passage_id}.{n}"


def passage_of(unit: str) -> str:
    return unit.rsplit(".", 1)[0]


def vector_units(passage: Passage, source_text: str) -> list[str]:
    """The texts embedded for a passage: one per sentence, a short heading joined to the next (splitting.passage_units)."""
    spans = passage_units(source_text, passage.start, passage.end)
    return [source_text[a:b] for a, b in spans] or [passage.text]


def embedding_text(passage: Passage) -> str:
    """What the lexical index sees: the passage, led by its section heading for context."""
    if passage.heading and not passage.text.startswith(passage.heading):
        return f"{passage.heading}\n{passage.text}"
    return passage.text


@dataclass
class Snapshot:
    """The committed contents of the index: every source and its live passages."""

    sources: dict[str, Source]
    passages: list[Passage]
    position: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.position = {p.passage_id: i for i, p in enumerate(self.passages)}

    @cached_property
    def lexical(self) -> BM25Index:
        return BM25Index([embedding_text(p) for p in self.passages])

    def to_dict(self) -> dict[str, object]:
        return {
            "sources": [s.to_dict() for s in self.sources.values()],
            "passages": [
                {"passage_id": p.passage_id, "source_id": p.source_id, "start": p.start, "end": p.end, "heading": p.heading}
                for p in self.passages
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Snapshot":
        sources = {s["source_id"]: Source.from_dict(s) for s in data["sources"]}
        passages = []
        for p in data["passages"]:
            text = sources[p["source_id"]].text[p["start"] : p["end"]]  # text is always re-sliced from its source
            passages.append(Passage(p["passage_id"], p["source_id"], p["start"], p["end"], text, p.get("heading")))
        return cls(sources, passages)


def _snapshot_name(data: dict) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    return f"snapshot-{digest}.json"


class Index:
    """An opened, committed index: read-only, safe to share between threads."""

    def __init__(self, settings: Settings, snapshot: Snapshot, store: VectorStore, manifest: dict) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.store = store
        self.manifest = manifest
        # Counted once here, not per query: a committed index does not change under its readers.
        self.vectors = store.count()
        # Vectors of an interrupted ingest may sit in the store uncommitted; fetch enough to skip them.
        self.uncommitted = max(0, self.vectors - manifest.get("vectors", self.vectors))

    @staticmethod
    def exists(settings: Settings) -> bool:
        return (Path(settings.index_dir) / MANIFEST).exists()

    @classmethod
    def open(cls, settings: Settings) -> "Index":
        index_dir = Path(settings.index_dir)
        manifest = read_manifest(index_dir)
        check_fingerprint(manifest, fingerprint(settings), index_dir)
        snapshot_path = index_dir / manifest["snapshot"]
        if not snapshot_path.exists():
            raise IndexMissingError(f"the index in {index_dir} is incomplete ({snapshot_path.name} is missing); run `ldn-assistant ingest`")
        snapshot = Snapshot.from_dict(json.loads(snapshot_path.read_text(encoding="utf-8")))
        return cls(settings, snapshot, VectorStore(settings, manifest["collection"]), manifest)

    def dense(self, embedding, n: int) -> list[tuple[int, float]]:
        """(passage position, similarity of its best sentence) for the nearest committed passages, best first."""
        # Passages have about three sentences each; fetch enough sentences to name n passages.
        hits = self.store.query(embedding, min(3 * n + self.uncommitted, self.vectors))
        best: dict[int, float] = {}
        for unit, sim in hits:  # hits arrive best first, so the first sentence seen is the passage's best
            pos = self.snapshot.position.get(passage_of(unit))
            if pos is not None and pos not in best:
                best[pos] = sim
        return list(best.items())[:n]


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
    with ingest_lock(index_dir, lock_wait):
        expected = fingerprint(settings)
        previous, old_manifest = _previous_snapshot(index_dir, expected)
        old_collection = _committed_collection(index_dir)
        scan = scan_corpus(Path(settings.corpus_dir), settings.max_file_bytes)
        old_sources = previous.sources if previous else {}
        old_passages: dict[str, list[Passage]] = {}
        for p in previous.passages if previous else []:
            old_passages.setdefault(p.source_id, []).append(p)

        sources: dict[str, Source] = {}
        passages: list[Passage] = []
        added, updated, unchanged, to_embed = [], [], [], []
        for source in scan.sources:
            sources[source.source_id] = source
            old = old_sources.get(source.source_id)
            if old is not None and old.content_hash == source.content_hash:
                unchanged.append(source.source_id)
                passages.extend(old_passages.get(source.source_id, []))
                continue
            (updated if old is not None else added).append(source.source_id)
            new = split_source(source, split_settings(settings))
            passages.extend(new)
            to_embed.extend(new)

        # A file that exists but failed to load keeps its last good version: bad input never loses stored data.
        skipped: list[FileProblem] = []
        loaded = {s.content_hash for s in sources.values()}  # a kept copy of a loaded text would duplicate its passage ids
        for problem in scan.problems:
            kept = old_sources.get(problem.path)
            if (
                kept is not None
                and (Path(settings.corpus_dir) / problem.path).exists()
                and "duplicate" not in problem.reason
                and kept.content_hash not in loaded
            ):
                sources[kept.source_id] = kept
                passages.extend(old_passages.get(kept.source_id, []))
                skipped.append(FileProblem(problem.path, problem.reason + "; its previously indexed version is kept"))
            else:
                skipped.append(problem)
        removed = sorted(set(old_sources) - set(sources))

        collection = COLLECTION_PREFIX + fingerprint_id(expected)
        store = VectorStore(settings, collection)
        batch = max(settings.embedding_batch_size, 1)
        units = [
            (unit_id(p.passage_id, n), text)
            for p in to_embed
            for n, text in enumerate(vector_units(p, sources[p.source_id].text))
        ]
        # Vectors a killed ingest already stored are reused, so a rerun resumes rather than restarts:
        # one collection per model and split settings, and a content-hash id, mean the same text embedded the same way.
        already = store.all_ids() if units else set()
        units = [u for u in units if u[0] not in already]
        # Texts of like length batched together pad far less: measured 1.7x faster than document order.
        units.sort(key=lambda unit: len(unit[1]))
        # Stored in chunks of many encoder batches: one Chroma write per chunk (measured: 1,024 vectors per
        # upsert take 40% less time than 64), and a killed ingest loses at most one chunk of work.
        chunk_size = batch * BATCHES_PER_WRITE
        for i in range(0, len(units), chunk_size):
            chunk = units[i : i + chunk_size]
            vectors = embedder.embed_documents([text for _, text in chunk], batch_size=batch)
            store.upsert([u for u, _ in chunk], vectors)
            if progress:
                progress(min(i + chunk_size, len(units)), len(units))
        if progress and not units:
            progress(0, 0)

        live = {p.passage_id for p in passages}
        stored = store.all_ids()
        live_units = {u for u in stored if passage_of(u) in live}

        # Commit: snapshot first, then the manifest that names it.
        snapshot = Snapshot(sources, passages)
        data = snapshot.to_dict()
        name = _snapshot_name(data)
        write_json_atomic(index_dir / name, data)
        manifest = {
            "format": FORMAT,
            "fingerprint": expected,
            "embedding_backend": getattr(embedder, "backend", None),  # what embedded the latest vectors
            "collection": collection,
            "snapshot": name,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "sources": {s.source_id: {"content_hash": s.content_hash} for s in sources.values()},
            "passages": len(passages),
            "vectors": len(live_units),
        }
        write_json_atomic(index_dir / MANIFEST, manifest)

        # After the commit: sweep vectors, snapshots and collections nothing points to any more.
        stale = stored - live_units
        if stale:
            store.delete(sorted(stale))
        if old_collection and old_collection != collection:
            store.drop_collection(old_collection)  # built with other settings; only ours, a shared server may hold others
        for old_file in index_dir.glob("snapshot-*.json"):
            if old_file.name != name:
                old_file.unlink(missing_ok=True)
        for leftover in index_dir.glob(".*.tmp"):  # half-written files of a killed ingest; we hold the lock, so no writer is live
            leftover.unlink(missing_ok=True)

        return IngestReport(
            added=tuple(added),
            updated=tuple(updated),
            removed=tuple(removed),
            unchanged=tuple(unchanged),
            skipped=tuple(skipped),
            passages=len(passages),
            passages_embedded=len(to_embed),
            rebuilt=old_manifest is None,
            seconds=time.perf_counter() - started,
        )
