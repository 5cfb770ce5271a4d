"""How far a figure from a small suite can be trusted: an interval for one proportion, a test for a paired change.

Pure functions over counts, so each can be checked by hand. The suites hold 40 to 130 answerable questions, so one
question moves hit@3 by one to three points; these say whether a figure, or a change between two runs, is more than
that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal's two-sided 95% point


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.low:.3f}-{self.high:.3f}"


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval:
    """The Wilson score interval for a proportion (95% by default).

    Chosen over the normal approximation because it stays inside [0, 1] and is sound at 0 or n successes,
    which a suite near its ceiling (disclaimer rate 1.0) or a small category (5 questions) often gives."""
    if n <= 0:
        raise ValueError(f"an interval needs at least one case, got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie between 0 and n={n}, got {successes}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def mcnemar_exact_p(gained: int, lost: int) -> float:
    """Two-sided exact McNemar test of a paired change: the chance, were the change to do nothing, of a split of the
    changed cases at least this uneven. Only the cases that changed count; the ones both runs got right or both got
    wrong say nothing about which run is better. 1.0 when nothing changed."""
    if gained < 0 or lost < 0:
        raise ValueError(f"counts of changed cases cannot be negative: gained={gained}, lost={lost}")
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def mean_difference_interval(differences: Sequence[float], confidence: float = 0.95) -> Interval:
    """An interval for the mean of paired differences (after minus before, one per case): mean +- t * sd / sqrt(n),
    with Student's t at n - 1 degrees of freedom and the sample sd.

    For graded measures such as nDCG@10, where a case can move a little or a lot: counting the cases that got better
    and worse says which way, this says how far. Student's t rather than the normal point, because a group can be
    small (the new-abstract claims of a --max-claims run are a handful), where the normal point is too narrow."""
    from scipy.stats import t  # here, not at the top: only the SciFact comparison needs scipy

    n = len(differences)
    if n < 2:
        raise ValueError(f"an interval for a mean difference needs at least two cases, got {n}")
    mean = sum(differences) / n
    spread = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    half = float(t.ppf(0.5 + confidence / 2, n - 1)) * spread / math.sqrt(n)
    return Interval(mean - half, mean + half)
