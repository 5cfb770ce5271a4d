"""Ingest throughput against the raw encoder's, measured in turns within one run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus import scan_corpus
from ..embeddings import Embedder
from ..index import embedding_text, ingest, split_settings
from ..settings import Settings
from ..splitting import split_source
from .bench_stats import Spread, rotated, timed


@dataclass(frozen=True)
class IngestResult:
    passages: int
    ingest_s: Spread  # seconds per full ingest into a fresh index
    encode_s: Spread  # seconds to encode the same passages' embedding texts (the issue's floor)
    units: int  # texts the ingest really embeds (one per sentence when the index stores sentence vectors)
    encode_units_s: Spread  # seconds to encode exactly those texts: what is left is pipeline overhead
    samples: dict[str, list[float]]  # run by run: "ingest", "encode", "encode_units", "ingest:BACKEND", "encode:BACKEND"
    others: dict[str, dict[str, Spread]] = field(default_factory=dict)  # other backends: {"ingest_s", "encode_s"}

    @property
    def passages_per_s(self) -> float:
        return self.passages / self.ingest_s.median

    @property
    def encoder_passages_per_s(self) -> float:
        return self.passages / self.encode_s.median


def passage_texts(settings: Settings, units: bool = False) -> list[str]:
    """The passages' embedding texts; with units=True, the texts ingest hands the embedder (vector_units, when
    the index embeds more than one text per passage)."""
    from .. import index as index_module

    scan = scan_corpus(Path(settings.corpus_dir), settings.max_file_bytes)
    cut = split_settings(settings)
    pairs = [(source, p) for source in scan.sources for p in split_source(source, cut)]
    vector_units = getattr(index_module, "vector_units", None)
    if units and vector_units is not None:
        return [text for source, p in pairs for text in vector_units(p, source.text)]
    return [embedding_text(p) for _, p in pairs]


def measure_ingest(
    corpus_dir: Path,
    embedder: Embedder,
    workdir: Path,
    runs: int,
    step: Callable[[], None] = lambda: None,
    others: dict[str, Embedder] | None = None,
) -> IngestResult:
    """`runs` full ingests (each into a fresh index folder), raw encodes of the passages and of the ingest's own
    texts, taking turns with the order rotating. Each of `others` (other embedding backends, by name) gets its
    own full ingest and raw encode of the passages in the same turns."""
    base = Settings(corpus_dir=corpus_dir, index_dir=workdir / "unused")
    others = others or {}
    texts = passage_texts(base)
    unit_texts = passage_texts(base, units=True)
    batch = base.embedding_batch_size
    ingest_times: list[float] = []
    encode_times: list[float] = []
    unit_times: list[float] = []
    other_times: dict[str, list[float]] = {f"{kind}:{name}": [] for name in others for kind in ("ingest", "encode")}
    for run in range(runs):
        settings = base.model_copy(update={"index_dir": workdir / f"ingest-{run}"})
        contenders: dict[str, Callable[[], None]] = {
            "ingest": lambda: ingest_times.append(timed(lambda: ingest(settings, embedder))),  # noqa: B023 (called in this iteration)
            "encode": lambda: encode_times.append(timed(lambda: embedder.embed_documents(texts, batch_size=batch))),
            "encode_units": lambda: unit_times.append(timed(lambda: embedder.embed_documents(unit_texts, batch_size=batch))),
        }
        for name, other in others.items():
            # A backend's own index folder and settings, so its fingerprint (int8 or not) is its own.
            own = base.model_copy(update={"index_dir": workdir / f"ingest-{name}-{run}", "embedding_backend": name})
            contenders[f"ingest:{name}"] = lambda own=own, other=other, key=f"ingest:{name}": other_times[key].append(  # type: ignore[misc]  # mypy infers no lambda with default arguments
                timed(lambda: ingest(own, other))
            )
            contenders[f"encode:{name}"] = lambda other=other, key=f"encode:{name}": other_times[key].append(  # type: ignore[misc]  # mypy infers no lambda with default arguments
                timed(lambda: other.embed_documents(texts, batch_size=batch))
            )
        for name in rotated(list(contenders), run):
            contenders[name]()
            step()
    return IngestResult(
        len(texts),
        Spread.of(ingest_times),
        Spread.of(encode_times),
        len(unit_texts),
        Spread.of(unit_times),
        {"ingest": ingest_times, "encode": encode_times, "encode_units": unit_times, **other_times},
        {name: {"ingest_s": Spread.of(other_times[f"ingest:{name}"]), "encode_s": Spread.of(other_times[f"encode:{name}"])} for name in others},
    )
