"""Metrics over case outcomes: ranking (hit@k, MRR, nDCG), status and abstention, safety, latency.

Pure functions over plain values, so each can be checked by hand. Ranking metrics are computed over
answerable cases only (expected status "answered"); a system that does not answer such a case has
shown no passages, so it scores zero there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from .percentile import percentile

_SPACE = re.compile(r"\s+")
RANK_CUTOFF = 10  # MRR@10 and nDCG@10


def normalize(text: str) -> str:
    """Collapse every run of whitespace to one space, so a line break inside evidence still matches."""
    return _SPACE.sub(" ", text).strip()


def contains_evidence(passage: str, references: Iterable[str]) -> bool:
    """A passage is relevant when it contains any one evidence string (whitespace-insensitively)."""
    body = normalize(passage)
    return any(normalize(ref) in body for ref in references if ref.strip())


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when a relevant passage is among the first k, else 0.0."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int = RANK_CUTOFF) -> float:
    """1/rank of the first relevant passage within the first k; 0.0 when there is none."""
    for rank, rel in enumerate(relevant[:k], start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], n_references: int, k: int = RANK_CUTOFF) -> float:
    """Binary-gain nDCG@k.

    DCG sums 1/log2(rank+1) over relevant passages in the first k. The ideal list puts
    min(n_references, k) relevant passages first: each evidence string could sit in its own
    passage, so a case with several strings rewards finding several passages that hold them.
    """
    ideal_hits = min(max(n_references, 0), k)
    if ideal_hits == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(relevant[:k], start=1) if rel)
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_hits + 1))
    return min(dcg / idcg, 1.0)  # more relevant passages than strings can exceed the ideal; cap at 1


def abstention_scores(pairs: Iterable[tuple[str, str]]) -> tuple[float | None, float | None]:
    """(precision, recall) of abstaining, from (expected status, got status) pairs.

    Abstaining is any status other than "answered". Precision: of the cases where the system
    abstained, the share where it should have. Recall: of the cases where it should have abstained,
    the share where it did. None when the denominator is zero (e.g. a system that never abstains
    has no precision).
    """
    tp = fp = fn = 0
    for expected, got in pairs:
        should, did = expected != "answered", got != "answered"
        tp += should and did
        fp += did and not should
        fn += should and not did
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class CaseOutcome:
    """What one system did on one case, reduced to what the metrics need."""

    case_id: str
    category: str
    expected_status: str
    status: str
    relevant: tuple[bool, ...]  # per passage, best first: contains an evidence string
    verbatim: tuple[bool, ...]  # per passage: an exact slice of its source text
    resolvable: tuple[bool, ...]  # per passage: its source id resolves and the source has metadata
    disclaimers_ok: bool  # the answer carries exactly safety.DISCLAIMERS
    latency_ms: float
    n_references: int  # evidence strings the case names

    @property
    def answerable(self) -> bool:
        return self.expected_status == "answered"

    @property
    def shown(self) -> tuple[bool, ...]:
        """Relevance of what the user sees: nothing unless the system answered."""
        return self.relevant if self.status == "answered" else ()


@dataclass(frozen=True)
class SystemMetrics:
    """Every metric of one system over a set of cases. None means "not defined on these cases"."""

    n_cases: int
    n_answerable: int
    hit_at_1: float | None
    hit_at_3: float | None
    hit_at_5: float | None
    mrr_at_10: float | None
    ndcg_at_10: float | None
    status_accuracy: float | None
    abstention_precision: float | None
    abstention_recall: float | None
    disclaimer_rate: float | None
    verbatim_rate: float | None
    citation_rate: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        """Public names, as used in report.json and by --fail-under (hit@1, mrr@10, ...)."""
        return {METRIC_NAMES[f.name]: getattr(self, f.name) for f in fields(self)}

    def get(self, public_name: str) -> float | int | None:
        return self.to_dict()[public_name]


METRIC_NAMES: dict[str, str] = {
    "n_cases": "n_cases",
    "n_answerable": "n_answerable",
    "hit_at_1": "hit@1",
    "hit_at_3": "hit@3",
    "hit_at_5": "hit@5",
    "mrr_at_10": "mrr@10",
    "ndcg_at_10": "ndcg@10",
    "status_accuracy": "status_accuracy",
    "abstention_precision": "abstention_precision",
    "abstention_recall": "abstention_recall",
    "disclaimer_rate": "disclaimer_rate",
    "verbatim_rate": "verbatim_rate",
    "citation_rate": "citation_rate",
    "latency_p50_ms": "latency_p50_ms",
    "latency_p95_ms": "latency_p95_ms",
}
# Quality metrics a threshold may name: higher is better. Counts and times are not quality.
QUALITY_METRICS: tuple[str, ...] = tuple(name for name in METRIC_NAMES.values() if not name.startswith(("n_", "latency")))


def summarize(outcomes: Sequence[CaseOutcome]) -> SystemMetrics:
    """Aggregate one system's outcomes (all cases, or one category's)."""
    answerable = [o for o in outcomes if o.answerable]
    shown = [o.shown for o in answerable]
    precision, recall = abstention_scores((o.expected_status, o.status) for o in outcomes)
    verbatim = [v for o in outcomes for v in o.verbatim]
    resolvable = [r for o in outcomes for r in o.resolvable]
    latencies = [o.latency_ms for o in outcomes]
    return SystemMetrics(
        n_cases=len(outcomes),
        n_answerable=len(answerable),
        hit_at_1=_mean([hit_at_k(s, 1) for s in shown]),
        hit_at_3=_mean([hit_at_k(s, 3) for s in shown]),
        hit_at_5=_mean([hit_at_k(s, 5) for s in shown]),
        mrr_at_10=_mean([reciprocal_rank(s) for s in shown]),
        ndcg_at_10=_mean([ndcg_at_k(o.shown, o.n_references) for o in answerable]),
        status_accuracy=_mean([float(o.status == o.expected_status) for o in outcomes]),
        abstention_precision=precision,
        abstention_recall=recall,
        disclaimer_rate=_mean([float(o.disclaimers_ok) for o in outcomes]),
        verbatim_rate=_mean([float(v) for v in verbatim]),
        citation_rate=_mean([float(r) for r in resolvable]),
        # No cases, no latency: reported as n/a, like every other metric without a denominator.
        latency_p50_ms=percentile(latencies, 50) if latencies else None,
        latency_p95_ms=percentile(latencies, 95) if latencies else None,
    )


def hit_curve(outcomes: Sequence[CaseOutcome], max_k: int = RANK_CUTOFF) -> list[float]:
    """hit@k for k = 1..max_k over the answerable cases (empty when there are none)."""
    shown = [o.shown for o in outcomes if o.answerable]
    if not shown:
        return []
    return [sum(hit_at_k(s, k) for s in shown) / len(shown) for k in range(1, max_k + 1)]
