"""The benchmark report as typed, immutable parts: `BenchReport.to_dict()` is bench.json, `from_dict()` reads it back.

Each part's keys are its field names, in field order, so to_dict() writes the same JSON the benchmark always
wrote; one base class (`_Record`) does the converting for every part, by the fields' types.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field, fields
from typing import Any, Self, Union, get_args, get_origin, get_type_hints

from .bench_stats import Spread

Quality = dict[str, dict[str, dict[str, float]]]  # {backend: {suite: {metric: value}}}
OMIT_NONE = {"omit_none": True}  # a key written only when it has a value (as machine_info() leaves it out)


def _dump(value: Any) -> Any:
    if isinstance(value, (_Record, Spread)):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _load(hint: Any, value: Any) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return None if value is None else _load(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        return tuple(_load(args[0], v) for v in value)
    if origin is dict:
        return {k: _load(args[1], v) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, (_Record, Spread)):
        return hint.from_dict(value)
    return value


class _Record:
    """to_dict()/from_dict() for a frozen dataclass of the report, nested parts and Spreads included."""

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):  # type: ignore[arg-type]  # every subclass is a dataclass
            value = getattr(self, f.name)
            if value is not None or not f.metadata.get("omit_none"):
                out[f.name] = _dump(value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown key(s) {', '.join(sorted(unknown))}")
        hints = get_type_hints(cls)
        return cls(**{name: _load(hints[name], data[name]) for name in known if name in data})


@dataclass(frozen=True)
class Machine(_Record):
    """What the figures depend on (bench_stats.machine_info)."""

    cpu_count: int | None
    platform: str
    python: str
    load_average_1m: float | None
    cpu_model: str | None
    torch: str | None = field(default=None, metadata=OMIT_NONE)  # absent without torch
    torch_threads: int | None = None
    sentence_transformers: str | None = None
    onnxruntime: str | None = None
    chromadb: str | None = None
    langchain_chroma: str | None = None


@dataclass(frozen=True)
class BenchIngest(_Record):
    """Ingest against the raw encoder, on the default backend."""

    backend: str
    passages_per_s: float
    encoder_passages_per_s: float
    ratio: float
    target_ratio: float
    passages: int
    corpus: str
    embedded_texts: int
    encoder_units_per_s: float
    ratio_to_units_encoder: float
    encode_units_s: Spread
    batch_size: int
    runs: int
    ingest_s: Spread
    encode_s: Spread
    ratio_paired: Spread


@dataclass(frozen=True)
class BenchQuery(_Record):
    """Warm ask() against the floor (one embedding plus one vector search) and the naive pipeline."""

    backend: str
    ask_p50_ms: float
    ask_p95_ms: float
    floor_p50_ms: float
    ratio_to_floor: float
    target_ratio_to_floor: float
    naive_langchain_p50_ms: float
    ratio_to_naive: float
    questions: int
    rounds: int
    candidates: int
    naive_chunks: int
    ask_ms: Spread
    floor_ms: Spread
    naive_ms: Spread
    ratio_to_floor_paired: Spread


@dataclass(frozen=True)
class BenchColdStart(_Record):
    """A fresh `ldn-assistant ask` against loading the model and importing sentence-transformers."""

    backend: str
    cli_ask_s: float
    floor_s: float
    ratio: float
    import_sentence_transformers_s: float
    ratio_to_import_sentence_transformers: float
    runs: int
    cli_ask: Spread
    floor: Spread


@dataclass(frozen=True)
class ScaleRow(_Record):
    """One corpus size of the scale series (bench_scale)."""

    passages: int
    files: int
    ingest_s: float
    passages_per_s: float
    encoder_passages_per_s: float | None
    open_s: float
    query_p50_ms: float
    query_p95_ms: float
    query_p25_ms: float
    query_p75_ms: float
    floor_p50_ms: float
    index_mb: float
    peak_rss_mb: float
    rss_end_mb: float | None


@dataclass(frozen=True)
class BackendSpreads(_Record):
    ingest_s: Spread
    encode_s: Spread
    embed_query_ms: Spread
    ask_ms: Spread
    cold_ask_s: Spread


@dataclass(frozen=True)
class BackendRow(_Record):
    """One embedding backend's figures, each with its ratio to torch (bench_backends.summarize)."""

    ingest_passages_per_s: float
    encoder_passages_per_s: float
    ingest_ratio_to_torch_ingest: float
    ingest_ratio_to_torch_encoder: float
    embed_query_p50_ms: float
    embed_query_p95_ms: float
    embed_query_ratio_to_torch: float
    ask_p50_ms: float
    ask_p95_ms: float
    ask_ratio_to_torch: float
    cold_ask_s: float
    cold_ratio_to_import_sentence_transformers: float
    quality_max_abs_difference_to_torch: float | None
    spread: BackendSpreads


@dataclass(frozen=True)
class BackendTargets(_Record):
    ingest_ratio_to_torch_encoder: float
    cold_ratio_to_import_sentence_transformers: float
    quality_max_abs_difference_to_torch: float


@dataclass(frozen=True)
class BenchBackends(_Record):
    """The embedding backends side by side, in the same run."""

    default: str
    names: tuple[str, ...]
    passages: int
    import_sentence_transformers_s: float
    import_sentence_transformers: Spread
    targets: BackendTargets
    rows: dict[str, BackendRow]
    quality: Quality


@dataclass(frozen=True)
class BenchReport(_Record):
    """What `ldn-assistant bench` measured: bench.json is its to_dict()."""

    mode: str
    command: str
    started: str
    machine: Machine
    ingest: BenchIngest
    query: BenchQuery
    cold_start: BenchColdStart
    scale: tuple[ScaleRow, ...]
    backends: BenchBackends
    plots: tuple[str, ...] = ()
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    load_average_end: float | None = None
