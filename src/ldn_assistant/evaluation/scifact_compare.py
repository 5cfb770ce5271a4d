"""Two SciFact reports compared claim by claim, as compare.py does for the golden suites.

The SciFact report keeps every system's per-claim scores, so a change to the engine (or the engine against a baseline
of the same run) can be judged on the claims that moved. Rationale hit@1 and hit@3 are yes/no per claim: the claims
gained and lost, with the exact McNemar p. nDCG@10 and recall@10 are graded: the claims that scored higher and lower,
with the sign test's p (the same exact binomial, over the claims that changed), and a 95% interval for the mean
difference. On a dev run the claims are also split as the report splits them: those citing no abstract that a train
claim cites, and the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..product import NAME as PRODUCT
from .compare import MeasureChange, ReportError, changed_cases_line, format_p, hit_within, is_rank_or_none, measure_change_table, paired_change, systems_label
from .significance import Interval, mcnemar_exact_p, mean_difference_interval

ALL_CLAIMS = "all claims"
# The report's split of a dev run (scifact.ScifactRun.new_abstract_claims): a method fitted on train could gain on
# the claims citing abstracts that train claims cite by remembering which abstracts get cited.
NEW_ABSTRACTS = "new abstracts"
OTHER_CLAIMS = "abstracts train cites"


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
    """What compare_scifact_reports found: the graded and the yes/no measures per group of claims."""

    run: str  # the report's name, e.g. "dev-full"
    before_system: str
    after_system: str
    graded: tuple[GradedChange, ...]  # nDCG@10 and recall@10 per group of at least two claims
    hits: tuple[MeasureChange, ...]  # rationale hit@1 and hit@3 per group, over its claims with rationale sentences
    notes: tuple[str, ...]  # why a group or measure has no row


def is_scifact_report(report: dict[str, Any]) -> bool:
    """A SciFact report names its suite; a golden-suite report has no such key."""
    return report.get("suite") == "scifact"


def _record(claim: Any, where: str) -> ClaimRecord:
    try:
        record = ClaimRecord(claim["claim_id"], claim["ndcg_at_10"], claim["recall_at_10"], claim["rationale_rank"], claim["has_evidence"])
    except (KeyError, TypeError) as exc:
        raise ReportError(f"{where} is malformed (missing or wrong: {exc})") from None
    scores = (record.ndcg_at_10, record.recall_at_10)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in scores):
        raise ReportError(f"{where} is malformed: nDCG@10 and recall@10 must be numbers from 0 to 1")
    if not isinstance(record.claim_id, str) or not isinstance(record.has_evidence, bool) or not is_rank_or_none(record.rationale_rank):
        raise ReportError(f"{where} is malformed: claim_id must be text, has_evidence true or false, rationale_rank a rank from 1 or null")
    return record


def _claims(report: dict[str, Any], system: str, label: str) -> dict[str, ClaimRecord]:
    """claim id -> the system's scores on it, checked: a malformed report is named, not met later as a KeyError."""
    systems = report.get("systems")
    if not isinstance(systems, list) or not all(isinstance(s, dict) for s in systems):
        raise ReportError(f"the {label} report is malformed: 'systems' must be a list of systems")
    found = [s for s in systems if s.get("system") == system]
    if not found:
        ran = ", ".join(str(s.get("system")) for s in systems) or "none"
        raise ReportError(f"the {label} report has no system {system!r} (it ran: {ran})")
    if len(found) > 1:
        raise ReportError(f"the {label} report lists system {system!r} twice")
    per_claim = found[0].get("per_claim")
    if not isinstance(per_claim, list):
        raise ReportError(f"the {label} report keeps no per-claim scores for {system!r}")
    out: dict[str, ClaimRecord] = {}
    for position, claim in enumerate(per_claim):
        record = _record(claim, f"the {label} report, {system}, claim {position + 1}")
        if record.claim_id in out:
            raise ReportError(f"the {label} report scores claim {record.claim_id!r} twice for {system!r}")
        out[record.claim_id] = record
    return out


def _check_same_run(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Two runs compare only when they ranked the same split against the same corpus."""
    for key, inner, what in (("options", "split", "split"), ("corpus", "spec", "corpus")):
        try:
            old, new = before[key][inner], after[key][inner]
        except (KeyError, TypeError) as exc:
            raise ReportError(f"a report is malformed (missing or wrong: {exc})") from None
        if old != new:
            raise ReportError(f"the reports ranked another {what} ({old} in the first, {new} in the second): compare runs of the same split and corpus")


def _new_abstract_claims(report: dict[str, Any], label: str) -> frozenset[str] | None:
    """The report's dev claims citing no abstract a train claim cites; None for a train run."""
    apart = report.get("apart_from_train")
    if apart is None:
        return None
    ids = apart.get("new_abstract_claims") if isinstance(apart, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ReportError(f"the {label} report is malformed: apart_from_train.new_abstract_claims must be a list of claim ids")
    return frozenset(ids)


def _check_same_claims(old: dict[str, ClaimRecord], new: dict[str, ClaimRecord]) -> None:
    if old.keys() != new.keys():
        differ = sorted(old.keys() ^ new.keys())
        raise ReportError(f"the reports scored other claims ({', '.join(differ[:5])}): compare runs with the same --max-claims")
    differ = [c for c in old if old[c].has_evidence != new[c].has_evidence]
    if differ:
        raise ReportError(f"claim {differ[0]!r} has rationale sentences in one report and none in the other: compare runs of the same benchmark release")


def _groups(old: dict[str, ClaimRecord], apart: frozenset[str] | None) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """(group, claim ids) to compare, and a note for each split of the claims left out."""
    groups = [(ALL_CLAIMS, list(old))]
    if apart is None:
        return groups, []
    new_ones = [c for c in old if c in apart]
    if not new_ones or len(new_ones) == len(old):
        which = "none" if not new_ones else f"all {len(old)}"
        return groups, [f"No rows by abstract: {which} of the claims cite an abstract that no train claim cites."]
    return groups + [(NEW_ABSTRACTS, new_ones), (OTHER_CLAIMS, [c for c in old if c not in apart])], []


def _hit_change(group: str, k: int, pairs: list[tuple[ClaimRecord, ClaimRecord]]) -> MeasureChange:
    outcomes = [(a.claim_id, hit_within(b.rationale_rank, k), hit_within(a.rationale_rank, k)) for b, a in pairs]
    return paired_change(group, f"rationale hit@{k}", outcomes)


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
    """`system` of the second report against `before_system` (default: the same system) of the first, claim by claim;
    reports as compare.read_report gives them. Both must have ranked the same split, corpus and claims."""
    before_system = before_system or system
    _check_same_run(before, after)
    old, new = _claims(before, before_system, "first"), _claims(after, system, "second")
    _check_same_claims(old, new)
    apart = _new_abstract_claims(before, "first")
    if apart != _new_abstract_claims(after, "second"):
        raise ReportError("the reports split the claims by abstract differently: compare runs of the same benchmark release")
    groups, notes = _groups(old, apart)
    graded: list[GradedChange] = []
    hits: list[MeasureChange] = []
    for group, ids in groups:
        pairs = [(old[c], new[c]) for c in ids]
        if len(pairs) >= 2:
            graded += [_graded_change(group, measure, score, pairs) for measure, score in GRADED]
        else:
            notes.append(f"No nDCG@10 or recall@10 row for {group}: one claim has no spread to give an interval.")
        with_evidence = [(b, a) for b, a in pairs if b.has_evidence]
        if with_evidence:
            hits += [_hit_change(group, k, with_evidence) for k in (1, 3)]
        else:
            notes.append(f"No rationale hit rows for {group}: none of its claims has rationale sentences.")
    return ScifactComparison(str(after.get("name", "scifact")), before_system, system, tuple(graded), tuple(hits), tuple(notes))


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def scifact_comparison_markdown(comparison: ScifactComparison, show_cases: bool = False) -> str:
    c = comparison
    out = [
        f"# SciFact {c.run}, {systems_label(c.before_system, c.after_system)}: before -> after",
        "",
        "| claims | measure | n | before | after | higher | lower | p (sign test) | mean difference, 95% |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {g.group} | {g.measure} | {g.n} | {g.before_mean:.3f} | {g.after_mean:.3f} | {len(g.better)} | {len(g.worse)} "
        f"| {format_p(g.p_value)} | {_signed(g.difference.low)} to {_signed(g.difference.high)} |"
        for g in c.graded
    ]
    out += ["", *measure_change_table(c.hits, "claims")]
    out += [
        "",
        "p: the chance of a split of the changed claims at least this uneven if the change did nothing; only the claims "
        "that changed count. Rationale hits count the claims with rationale sentences. Intervals: Wilson for a rate, "
        "Student's t for a mean difference.",
    ]
    out += ["", *c.notes] if c.notes else []
    if show_cases:
        out += ["", "## Claims that changed", ""]
        out += [
            changed_cases_line(g.group, g.measure, g.better, g.worse, ("higher", "lower")) for g in c.graded if g.group == ALL_CLAIMS and (g.better or g.worse)
        ]
        out += [changed_cases_line(h.group, h.measure, h.gained, h.lost) for h in c.hits if h.group == ALL_CLAIMS and (h.gained or h.lost)]
    return "\n".join(out) + "\n"
