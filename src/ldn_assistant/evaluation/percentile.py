"""The one percentile of the evaluation and the benchmark."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between the closest ranks.

    Raises ValueError on no values: an empty sample has no percentile. A benchmark measurement that
    produced no samples is a bug and must stop the run, not turn into a blank figure; a caller for
    which "no values" is a normal state (an eval metric over no cases, reported as n/a) says so at
    its call site, where the reader sees it, and the result type stays a plain float.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q!r} is outside 0..100")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
