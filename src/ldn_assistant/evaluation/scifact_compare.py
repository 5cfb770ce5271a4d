"""Two SciFact reports compared claim by claim, as compare.py does for the golden suites.

The SciFact report keeps every system's per-claim scores, so a change to the engine (or the engine against a baseline
of the same run) can be judged on the claims that moved. Rationale hit@1 and hit@3 are yes/no per claim: the claims
gained and lost, with the exact McNemar p. nDCG@10 and recall@10 are graded: the claims that scored higher and lower,
with the sign test's p (the same exact binomial, over the claims that changed), and a 95% interval for the mean
difference. On a dev run the claims whose abstracts no train claim cites get rows of their own, as in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..product import NAME as PRODUCT
from .compare import MeasureChange, ReportError, format_p, is_rank_or_none
from .significance import Interval, mcnemar_exact_p, mean_difference_interval

ALL_CLAIMS = "all claims"
NEW_ABSTRACTS = "new abstracts"  # dev claims citing no abstract that a train claim cites (ScifactRun.new_abstract_claims)


@dataclass(frozen=True)
class ClaimRecord:
    """One claim of a SciFact report, for one system (scifact.ClaimScore as the report writes it)."""

    claim_id: str
    ndcg_at_10: float
    recall_at_10: float
    rationale_rank: int | None
    has_evidence: bool


@dataclass(frozen=True)
class GradedChange:
    """A graded measure over one group of claims, before and after over the same claims."""

    group: str
    measure: str
    n: int
    before_mean: float
    after_mean: float
    better: tuple[str, ...]  # claim ids that scored higher after
    worse: tuple[str, ...]
    difference: Interval  # 95% interval of the mean of (after - before)

    @property
    def p_value(self) -> float:
        # The sign test over the claims that changed is the same exact binomial as McNemar's over gained and lost.
        return mcnemar_exact_p(len(self.better), len(self.worse))


@dataclass(frozen=True)
class ScifactComparison:
    run: str  # the report's name, e.g. "dev-full"
    before_system: str
    after_system: str
    hits: tuple[MeasureChange, ...]  # rationale hit@1 and hit@3 per group; MeasureChange.suite holds the group
    graded: tuple[GradedChange, ...]


def is_scifact_report(report: dict[str, Any]) -> bool:
    return report.get("suite") == "scifact"


def _claims(report: dict[str, Any], system: str, label: str) -> dict[str, ClaimRecord]:
    """claim id -> the system's scores on it, checked: a malformed report is named, not met later as a KeyError."""
    systems = report.get("systems")
    if not isinstance(systems, list) or not all(isinstance(s, dict) for s in systems):
        raise ReportError(f"the {label} report is malformed: 'systems' must be a list of systems")
    found = [s for s in systems if s.get("system") == system]
    if not found:
        ran = ", ".join(str(s.get("system")) for s in systems) or "none"
        raise ReportError(f"the {label} report has no system {system!r} (it ran: {ran})")
    per_claim = found[0].get("per_claim")
    if not isinstance(per_claim, list):
        raise ReportError(f"the {label} report keeps no per-claim scores for {system!r}")
    out: dict[str, ClaimRecord] = {}
    for position, claim in enumerate(per_claim):
        where = f"the {label} report, {system}, claim {position + 1}"
        try:
            record = ClaimRecord(claim["claim_id"], claim["ndcg_at_10"], claim["recall_at_10"], claim["rationale_rank"], claim["has_evidence"])
        except (KeyError, TypeError) as exc:
            raise ReportError(f"{where} is malformed (missing or wrong: {exc})") from None
        scores = (record.ndcg_at_10, record.recall_at_10)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in scores):
            raise ReportError(f"{where} is malformed: nDCG@10 and recall@10 must be numbers from 0 to 1")
        if not isinstance(record.claim_id, str) or not isinstance(record.has_evidence, bool) or not is_rank_or_none(record.rationale_rank):
            raise ReportError(f"{where} is malformed: claim_id must be text, has_evidence true or false, rationale_rank a rank from 1 or null")
        if record.claim_id in out:
            raise ReportError(f"the {label} report scores claim {record.claim_id!r} twice for {system!r}")
        out[record.claim_id] = record
    return out


def _run_of(report: dict[str, Any], label: str) -> tuple[str, Any]:
    """The split and the corpus a report ranked: two runs compare only when both are the same."""
    try:
        return report["options"]["split"], report["corpus"]["spec"]
    except (KeyError, TypeError) as exc:
        raise ReportError(f"the {label} report is malformed (missing or wrong: {exc})") from None


def _new_abstract_claims(report: dict[str, Any]) -> frozenset[str] | None:
    apart = report.get("apart_from_train")
    return frozenset(apart["new_abstract_claims"]) if isinstance(apart, dict) and isinstance(apart.get("new_abstract_claims"), list) else None


def _hit_change(group: str, k: int, pairs: list[tuple[ClaimRecord, ClaimRecord]]) -> MeasureChange:
    def hit(c: ClaimRecord) -> bool:
        return c.rationale_rank is not None and c.rationale_rank <= k

    return MeasureChange(
        suite=group,
        measure=f"rationale hit@{k}",
        n=len(pairs),
        before=sum(hit(b) for b, _ in pairs),
        after=sum(hit(a) for _, a in pairs),
        gained=tuple(a.claim_id for b, a in pairs if hit(a) and not hit(b)),
        lost=tuple(a.claim_id for b, a in pairs if hit(b) and not hit(a)),
    )


def _graded_change(group: str, measure: str, score: Callable[[ClaimRecord], float], pairs: list[tuple[ClaimRecord, ClaimRecord]]) -> GradedChange:
    differences = [score(a) - score(b) for b, a in pairs]
    return GradedChange(
        group=group,
        measure=measure,
        n=len(pairs),
        before_mean=sum(score(b) for b, _ in pairs) / len(pairs),
        after_mean=sum(score(a) for _, a in pairs) / len(pairs),
        better=tuple(a.claim_id for (_, a), d in zip(pairs, differences, strict=True) if d > 0),
        worse=tuple(a.claim_id for (_, a), d in zip(pairs, differences, strict=True) if d < 0),
        difference=mean_difference_interval(differences),
    )


GRADED: tuple[tuple[str, Callable[[ClaimRecord], float]], ...] = (
    ("nDCG@10", lambda c: c.ndcg_at_10),
    ("recall@10", lambda c: c.recall_at_10),
)


def compare_scifact_reports(before: dict[str, Any], after: dict[str, Any], system: str = PRODUCT, before_system: str | None = None) -> ScifactComparison:
    """`system` of the second report against `before_system` (default: the same system) of the first, claim by claim.
    Both reports must have ranked the same split, corpus and claims."""
    before_system = before_system or system
    if _run_of(before, "first") != _run_of(after, "second"):
        names = f"{before.get('name')} against {after.get('name')}"
        raise ReportError(f"the reports ranked different claims or corpora ({names}): compare runs of the same split and corpus")
    old, new = _claims(before, before_system, "first"), _claims(after, system, "second")
    if old.keys() != new.keys():
        differ = sorted(old.keys() ^ new.keys())
        raise ReportError(f"the reports scored other claims ({', '.join(differ[:5])}): compare runs with the same --max-claims")
    if any(old[c].has_evidence != new[c].has_evidence for c in old):
        raise ReportError("a claim has rationale sentences in one report and none in the other: compare runs of the same benchmark release")
    groups = [(ALL_CLAIMS, list(old))]
    apart = _new_abstract_claims(before)
    if apart is not None and apart == _new_abstract_claims(after) and 0 < len(apart & old.keys()) < len(old):
        groups.append((NEW_ABSTRACTS, [c for c in old if c in apart]))
    hits: list[MeasureChange] = []
    graded: list[GradedChange] = []
    for group, ids in groups:
        pairs = [(old[c], new[c]) for c in ids]
        if len(pairs) >= 2:
            graded += [_graded_change(group, measure, score, pairs) for measure, score in GRADED]
        with_evidence = [(b, a) for b, a in pairs if b.has_evidence]
        if with_evidence:
            hits += [_hit_change(group, k, with_evidence) for k in (1, 3)]
    return ScifactComparison(str(after.get("name", "scifact")), before_system, system, tuple(hits), tuple(graded))


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def scifact_comparison_markdown(comparison: ScifactComparison, show_cases: bool = False) -> str:
    c = comparison
    who = c.after_system if c.before_system == c.after_system else f"{c.before_system} -> {c.after_system}"
    out = [
        f"# SciFact {c.run}, {who}: before -> after",
        "",
        "| claims | measure | n | before | after | higher | lower | p (sign test) | mean difference, 95% |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {g.group} | {g.measure} | {g.n} | {g.before_mean:.3f} | {g.after_mean:.3f} | {len(g.better)} | {len(g.worse)} "
        f"| {format_p(g.p_value)} | {_signed(g.difference.low)} to {_signed(g.difference.high)} |"
        for g in c.graded
    ]
    out += [
        "",
        "| claims | measure | n | before | after | gained | lost | p (exact McNemar) | before, 95% | after, 95% |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {h.suite} | {h.measure} | {h.n} | {h.before_rate:.3f} | {h.after_rate:.3f} | {len(h.gained)} | {len(h.lost)} "
        f"| {format_p(h.p_value)} | {h.before_interval} | {h.after_interval} |"
        for h in c.hits
    ]
    out += [
        "",
        "p: the chance of a split of the changed claims at least this uneven if the change did nothing; only the claims "
        "that changed count. Rationale hits count the claims with rationale sentences. Intervals: Wilson for a rate, the "
        "normal approximation for a mean difference.",
    ]
    if show_cases:
        out += ["", "## Claims that changed", ""]
        out += [
            f"- {g.group} {g.measure}: higher {', '.join(g.better) or '-'}; lower {', '.join(g.worse) or '-'}"
            for g in c.graded
            if g.group == ALL_CLAIMS and (g.better or g.worse)
        ]
        out += [
            f"- {h.suite} {h.measure}: gained {', '.join(h.gained) or '-'}; lost {', '.join(h.lost) or '-'}"
            for h in c.hits
            if h.suite == ALL_CLAIMS and (h.gained or h.lost)
        ]
    return "\n".join(out) + "\n"
