"""Measurement helpers for the benchmark: percentiles with their spread, rotating order, machine facts."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

from .percentile import percentile

T = TypeVar("T")


@dataclass(frozen=True)
class Spread:
    """The middle and the spread of a set of samples, in the samples' own unit."""

    n: int
    median: float
    p25: float
    p75: float
    p95: float
    min: float
    max: float
    iqr: float  # p75 - p25 of the samples: a field, so a spread read back from bench.json keeps the one written

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        p25, p75 = percentile(samples, 25), percentile(samples, 75)
        return cls(
            n=len(samples),
            median=percentile(samples, 50),
            p25=p25,
            p75=p75,
            p95=percentile(samples, 95),
            min=min(samples),
            max=max(samples),
            iqr=p75 - p25,
        )

    def to_dict(self, digits: int = 4) -> dict[str, float]:
        return {k: round(v, digits) if isinstance(v, float) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spread:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


def rotated(items: Sequence[T], turn: int) -> list[T]:
    """The items started at position `turn`: run i of an interleaved comparison goes in order rotated(items, i),
    so no contender always runs first (after a cache miss) or last (after the others warmed the CPU)."""
    if not items:
        return []
    k = turn % len(items)
    return [*items[k:], *items[:k]]


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call takes, by the monotonic high-resolution clock."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def machine_info() -> dict[str, Any]:
    """What the figures depend on: the CPUs, torch's thread count, the versions, and how busy the machine was."""
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        info["cpu_model"] = names[0] if names else None
    except OSError:
        info["cpu_model"] = None
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch_threads"] = None
    for package in ("sentence_transformers", "onnxruntime", "chromadb", "langchain_chroma"):
        try:
            from importlib.metadata import version

            info[package] = version(package.replace("_", "-"))
        except Exception:  # a missing package is a fact to report, not an error
            info[package] = None
    return info
