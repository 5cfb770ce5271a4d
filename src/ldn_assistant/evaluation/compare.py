"""Two eval reports compared question by question: did a change move a suite, or a few questions either way?

Per suite and measure (hit@1, hit@3, status accuracy) it gives the figure before and after, the questions gained and
lost, the exact McNemar p of that split and a 95% interval for each figure. A change that moves one to four
questions of a suite both ways, which is what most retrieval probes did (docs/eval.md), shows as p far above 0.05.
Case ids are printed only when asked for: a locked suite's misses are not to be read while tuning.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..product import NAME as PRODUCT
from .significance import Interval, mcnemar_exact_p, wilson_interval

# The row over every suite both reports ran; brackets, so that no suite (named after its file) can share the label.
ALL_SUITES = "(all)"


class ReportError(ValueError):
    """A report that cannot be read, or two that do not describe the same cases."""


@dataclass(frozen=True)
class CaseRecord:
    """One case of a report, as far as the comparison needs it, for one system."""

    suite: str
    case_id: str
    question: str
    expected: dict[str, Any]  # compared whole between the reports: the same case expects the same
    status: str  # what the system's answer was
    first_hit_rank: int | None  # over the passages shown: None when it did not answer (metrics.CaseOutcome.shown)

    @property
    def expected_status(self) -> str:
        return str(self.expected["status"])  # checked to be text when the record was read

    @property
    def answerable(self) -> bool:
        return self.expected_status == "answered"


@dataclass(frozen=True)
class Measure:
    name: str
    answerable_only: bool  # ranking measures count answerable questions only, as metrics.summarize does
    success: Callable[[CaseRecord], bool]


def hit_within(rank: int | None, k: int) -> bool:
    """The first hit lies among the first k results (None: no hit at all)."""
    return rank is not None and rank <= k


MEASURES: tuple[Measure, ...] = (
    Measure("hit@1", True, lambda c: hit_within(c.first_hit_rank, 1)),
    Measure("hit@3", True, lambda c: hit_within(c.first_hit_rank, 3)),
    Measure("status_accuracy", False, lambda c: c.status == c.expected_status),
)


@dataclass(frozen=True)
class MeasureChange:
    """One yes/no measure of one group of cases (a suite, all suites, a group of SciFact claims), before and after,
    over the same cases."""

    group: str
    measure: str
    n: int  # cases counted: answerable questions for hit@k, claims with rationale sentences for rationale hits
    before: int  # cases the first run got
    after: int
    gained: tuple[str, ...]  # case (or claim) ids got after and not before
    lost: tuple[str, ...]

    @property
    def before_rate(self) -> float:
        return self.before / self.n

    @property
    def after_rate(self) -> float:
        return self.after / self.n

    @property
    def p_value(self) -> float:
        return mcnemar_exact_p(len(self.gained), len(self.lost))

    @property
    def before_interval(self) -> Interval:
        return wilson_interval(self.before, self.n)

    @property
    def after_interval(self) -> Interval:
        return wilson_interval(self.after, self.n)


@dataclass(frozen=True)
class Comparison:
    before_system: str
    after_system: str
    changes: tuple[MeasureChange, ...]
    only_before: tuple[str, ...]  # suites one report ran and the other did not: left out, and said so
    only_after: tuple[str, ...]


def read_report(path: Path) -> dict[str, Any]:
    """A report.json as a dict, given as the file or the directory an eval run wrote (golden suites or SciFact)."""
    file = path / "report.json" if path.is_dir() else path
    if not file.is_file():
        raise ReportError(f"no eval report at {file}")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{file} is not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{file} is not an eval report (its JSON is not an object)")
    return data


def check_golden_report(data: dict[str, Any], where: str) -> dict[str, Any]:
    """The report itself if it is a golden-suite report (it has the 'cases' list the comparison reads)."""
    if not isinstance(data.get("cases"), list):
        raise ReportError(f"{where} is not a golden-suite eval report (it has no 'cases' list)")
    return data


def load_report(path: Path) -> dict[str, Any]:
    """A golden-suite eval report.json, given as the file or the directory `ldn-assistant eval --report-dir` wrote."""
    return check_golden_report(read_report(path), str(path))


def is_rank_or_none(value: Any) -> bool:
    """A rank as the reports write it: a whole number from 1 (JSON true is not one), or null for no hit."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1)


def _record(case: Any, system: str, label: str, position: int) -> CaseRecord:
    """The case at `position` of a report, checked: a malformed one is named, not met later as a KeyError."""
    where = f"the {label} report, case {position + 1}"
    try:
        got, expected = case["got"], case["expected"]
        if not isinstance(got, dict):
            raise ReportError(f"{where} is malformed: 'got' must map each system to its answer")
        if system not in got:
            raise ReportError(f"the {label} report has no system {system!r} (it ran: {', '.join(sorted(got)) or 'none'})")
        answer = got[system]
        suite, case_id, question = case["suite"], case["id"], case["question"]
        expected_status, status, rank = expected["status"], answer["status"], answer.get("first_hit_rank")
    except (KeyError, TypeError, AttributeError) as exc:
        raise ReportError(f"{where} is malformed (missing or wrong: {exc})") from None
    if not all(isinstance(v, str) for v in (suite, case_id, question, expected_status, status)) or not isinstance(expected, dict):
        raise ReportError(f"{where} is malformed: suite, id, question and statuses must be text")
    if not is_rank_or_none(rank):
        raise ReportError(f"{where} is malformed: first_hit_rank must be a rank from 1 or null, got {rank!r}")
    return CaseRecord(suite, case_id, question, expected, status, rank)


def _cases(report: dict[str, Any], system: str, label: str) -> dict[str, dict[str, CaseRecord]]:
    """suite -> case id -> the case, in the report's order."""
    out: dict[str, dict[str, CaseRecord]] = {}
    for position, case in enumerate(report["cases"]):
        record = _record(case, system, label, position)
        suite = out.setdefault(record.suite, {})
        if record.case_id in suite:  # two suite files of one name: the report counts both, a lookup would keep one
            raise ReportError(f"the {label} report holds case {record.case_id!r} of suite {record.suite!r} twice")
        suite[record.case_id] = record
    return out


def _check_same_cases(old: dict[str, dict[str, CaseRecord]], new: dict[str, dict[str, CaseRecord]], shared: list[str]) -> None:
    for suite in shared:
        if old[suite].keys() != new[suite].keys():
            differ = sorted(old[suite].keys() ^ new[suite].keys())
            raise ReportError(f"suite {suite!r} has other cases in the two reports ({', '.join(differ[:5])}): compare runs of the same suite file")
        for case_id, case in old[suite].items():
            if (case.question, case.expected) != (new[suite][case_id].question, new[suite][case_id].expected):
                raise ReportError(f"suite {suite!r}, case {case_id!r}: its question or expected answer differs between the reports")


def paired_change(group: str, measure: str, outcomes: list[tuple[str, bool, bool]]) -> MeasureChange:
    """A yes/no measure over (id, got before, got after) outcomes of the same cases."""
    return MeasureChange(
        group=group,
        measure=measure,
        n=len(outcomes),
        before=sum(b for _, b, _ in outcomes),
        after=sum(a for _, _, a in outcomes),
        gained=tuple(cid for cid, b, a in outcomes if a and not b),
        lost=tuple(cid for cid, b, a in outcomes if b and not a),
    )


def compare_reports(before: dict[str, Any], after: dict[str, Any], system: str = PRODUCT, before_system: str | None = None) -> Comparison:
    """Each suite both reports ran, measure by measure, and all of them together when there are several; reports as
    load_report gives them. `before_system` compares another system of the first report (a baseline, an ablation)
    with `system` of the second."""
    before_system = before_system or system
    old, new = _cases(before, before_system, "first"), _cases(after, system, "second")
    shared = [s for s in new if s in old]
    if not shared:
        raise ReportError(f"the reports share no suite (first: {', '.join(old) or 'none'}; second: {', '.join(new) or 'none'})")
    _check_same_cases(old, new, shared)
    rows = [(suite, [suite]) for suite in shared] + ([(ALL_SUITES, shared)] if len(shared) > 1 else [])
    changes = []
    for label, members in rows:
        for measure in MEASURES:
            pairs = [
                (cid if label != ALL_SUITES else f"{suite}/{cid}", case, new[suite][cid])
                for suite in members
                for cid, case in old[suite].items()
                if case.answerable or not measure.answerable_only
            ]
            if pairs:  # a suite of emergencies only has no hit@k
                changes.append(paired_change(label, measure.name, [(cid, measure.success(b), measure.success(a)) for cid, b, a in pairs]))
    return Comparison(
        before_system=before_system,
        after_system=system,
        changes=tuple(changes),
        only_before=tuple(s for s in old if s not in new),
        only_after=tuple(s for s in new if s not in old),
    )


def format_p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def systems_label(before_system: str, after_system: str) -> str:
    """The heading's name for what was compared: one system, or a baseline and the system set against it."""
    return after_system if before_system == after_system else f"{before_system} -> {after_system}"


def measure_change_table(changes: tuple[MeasureChange, ...], group_heading: str) -> list[str]:
    """The Markdown table of yes/no measures, one row per group and measure."""
    out = [
        f"| {group_heading} | measure | n | before | after | gained | lost | p (exact McNemar) | before, 95% | after, 95% |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {c.group} | {c.measure} | {c.n} | {c.before_rate:.3f} | {c.after_rate:.3f} | {len(c.gained)} | {len(c.lost)} "
        f"| {format_p(c.p_value)} | {c.before_interval} | {c.after_interval} |"
        for c in changes
    ]
    return out


def changed_cases_line(group: str, measure: str, up: tuple[str, ...], down: tuple[str, ...], words: tuple[str, str] = ("gained", "lost")) -> str:
    """One line of --show-cases: the ids that went each way."""
    return f"- {group} {measure}: {words[0]} {', '.join(up) or '-'}; {words[1]} {', '.join(down) or '-'}"


def comparison_markdown(comparison: Comparison, show_cases: bool = False) -> str:
    out = [f"# {systems_label(comparison.before_system, comparison.after_system)}: before -> after", ""]
    out += measure_change_table(comparison.changes, "suite")
    out += [
        "",
        "p: the chance of a split of the changed questions at least this uneven if the change did nothing; "
        "only the questions that changed count. Intervals: Wilson, 95%.",
    ]
    for label, suites in (("Only in the first report (left out)", comparison.only_before), ("Only in the second report (left out)", comparison.only_after)):
        if suites:
            out += ["", f"{label}: {', '.join(suites)}."]
    if show_cases:
        out += ["", "## Questions that changed", ""]
        out += [changed_cases_line(c.group, c.measure, c.gained, c.lost) for c in comparison.changes if c.group != ALL_SUITES and (c.gained or c.lost)]
    return "\n".join(out) + "\n"
