"""--fail-under thresholds: `SYSTEM.METRIC=VALUE` or `METRIC=VALUE` (the product), checked after a run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .metrics import QUALITY_METRICS, SystemMetrics
from .systems import PRODUCT


@dataclass(frozen=True)
class Threshold:
    system: str
    metric: str
    minimum: float

    def __str__(self) -> str:
        return f"{self.system}.{self.metric}={self.minimum:g}"


@dataclass(frozen=True)
class ThresholdMiss:
    threshold: Threshold
    value: float | None  # None: the metric is not defined on these cases (e.g. no answerable case)

    def __str__(self) -> str:
        got = "undefined" if self.value is None else f"{self.value:.4f}"
        return f"{self.threshold.system} {self.threshold.metric} = {got}, below the required {self.threshold.minimum:g}"


def parse_threshold(text: str) -> Threshold:
    """Parse `ldn-assistant.hit@3=0.85` or `hit@3=0.85`; raises ValueError naming what is wrong.

    Only quality metrics (higher is better) may be thresholds: timings vary by machine.
    """
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise ValueError(f"threshold {text!r} must look like METRIC=VALUE or SYSTEM.METRIC=VALUE, e.g. hit@3=0.85")
    # Metric names hold no dot and system names no dot, so the last dot separates them.
    system, dot, metric = name.strip().rpartition(".")
    system = system if dot else PRODUCT
    if metric not in QUALITY_METRICS:
        raise ValueError(f"unknown metric {metric!r} in {text!r}; choose from {', '.join(QUALITY_METRICS)}")
    try:
        minimum = float(value)
    except ValueError:
        raise ValueError(f"threshold value {value!r} in {text!r} is not a number") from None
    if not 0.0 <= minimum <= 1.0:
        raise ValueError(f"threshold value in {text!r} must be between 0 and 1")
    return Threshold(system, metric, minimum)


def check_thresholds(thresholds: list[Threshold], metrics: Mapping[str, SystemMetrics]) -> list[ThresholdMiss]:
    """The thresholds that were missed. A threshold on a system that did not run is an error."""
    misses = []
    for t in thresholds:
        if t.system not in metrics:
            raise ValueError(f"threshold {t} names system {t.system!r}, which did not run; ran: {', '.join(metrics)}")
        value = metrics[t.system].get(t.metric)
        if value is None or value < t.minimum:
            misses.append(ThresholdMiss(t, value))
    return misses
