"""Two eval runs' emergency triage compared message by message, beside the answer comparison of compare.py.

A change to the triage (its profile's patterns or exemplars, a threshold, the word model) is judged by its recall on
sets it was not tuned on. Each report keeps, per triage set and system, the ids of the emergencies missed and of the
other messages falsely flagged, so the messages that changed are known: recall (emergencies flagged) and specificity
(other messages left unflagged) before and after, with the messages gained and lost and the exact McNemar p.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .compare import MeasureChange, ReportError, changed_cases_line, measure_change_table, systems_label
from .triage_eval import LAYERED


@dataclass(frozen=True)
class TriageComparison:
    """Per triage set both runs scored: recall and specificity of a triage system. `left_out` says why nothing
    could be compared, when that is so."""

    before_system: str
    system: str
    changes: tuple[MeasureChange, ...]
    left_out: str | None = None


def _side(report: dict[str, Any], label: str) -> dict[str, Any] | None:
    triage = report.get("triage")
    if triage is None:
        return None
    halves = triage.get("halves") if isinstance(triage, dict) else None
    if not isinstance(halves, dict):
        raise ReportError(f"the {label} report is malformed: triage.halves must map each set to its systems")
    return halves


def _scores(halves: dict[str, Any], name: str, system: str, label: str) -> tuple[int, frozenset[str], int, frozenset[str]]:
    """(emergencies, ids missed, other messages, ids falsely flagged) of one set, checked."""
    where = f"the {label} report, triage set {name!r}"
    try:
        metrics = halves[name][system]
        emergencies, missed, others, false_alarms = metrics["emergencies"], metrics["missed"], metrics["non_emergencies"], metrics["false_alarms"]
    except (KeyError, TypeError) as exc:
        raise ReportError(f"{where} is malformed or lacks system {system!r} (missing or wrong: {exc})") from None
    counts_ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (emergencies, others))
    ids_ok = all(isinstance(ids, (list, tuple)) and all(isinstance(i, str) for i in ids) for ids in (missed, false_alarms))  # tuples: TriageReport.to_dict
    if not counts_ok or not ids_ok or len(set(missed)) > emergencies or len(set(false_alarms)) > others:
        raise ReportError(f"{where} is malformed: counts must be whole numbers, missed and false_alarms lists of ids within them")
    return emergencies, frozenset(missed), others, frozenset(false_alarms)


def _change(group: str, measure: str, n: int, failed_before: frozenset[str], failed_after: frozenset[str]) -> MeasureChange:
    """Success is not failing: a message gained is one that failed before and not after."""
    return MeasureChange(
        group=group,
        measure=measure,
        n=n,
        before=n - len(failed_before),
        after=n - len(failed_after),
        gained=tuple(sorted(failed_before - failed_after)),
        lost=tuple(sorted(failed_after - failed_before)),
    )


def compare_triage(before: dict[str, Any], after: dict[str, Any], system: str = LAYERED, before_system: str | None = None) -> TriageComparison:
    """The triage of two golden-suite eval reports (as compare.read_report gives them), set by set: `system` of the
    second against `before_system` (default the same; e.g. the regex baseline) of the first. A set must hold as many
    emergencies and other messages in both; a report run with --no-triage leaves triage out, and says so."""
    before_system = before_system or system
    old, new = _side(before, "first"), _side(after, "second")
    if old is None or new is None:
        which = "neither report has any" if old is None and new is None else f"the {'first' if old is None else 'second'} report has none"
        return TriageComparison(before_system, system, (), f"Triage left out: {which} (a run with --no-triage).")
    shared = [name for name in new if name in old]
    if not shared:
        return TriageComparison(before_system, system, (), "Triage left out: the reports share no triage set.")
    changes: list[MeasureChange] = []
    for name in shared:
        emergencies, missed_before, others, alarms_before = _scores(old, name, before_system, "first")
        emergencies_after, missed_after, others_after, alarms_after = _scores(new, name, system, "second")
        if (emergencies, others) != (emergencies_after, others_after):
            raise ReportError(
                f"triage set {name!r} holds {emergencies} emergencies and {others} other messages in the first report, "
                f"{emergencies_after} and {others_after} in the second: compare runs of the same set files"
            )
        if emergencies:
            changes.append(_change(name, "recall", emergencies, missed_before, missed_after))
        if others:
            changes.append(_change(name, "specificity", others, alarms_before, alarms_after))
    return TriageComparison(before_system, system, tuple(changes))


def triage_comparison_markdown(comparison: TriageComparison, show_cases: bool = False) -> list[str]:
    """The triage section of the comparison's Markdown, as lines."""
    out = ["", f"## Emergency triage ({systems_label(comparison.before_system, comparison.system)}), message by message", ""]
    if comparison.left_out:
        return [*out, comparison.left_out]
    out += measure_change_table(comparison.changes, "set")
    out += [
        "",
        "Recall: emergencies flagged. Specificity: the other messages (risk and routine) left unflagged, one minus the "
        "false-alarm rate. Judge a triage change on the sets it was not tuned on.",
    ]
    if show_cases:
        out += ["", "### Messages that changed", ""]
        out += [changed_cases_line(c.group, c.measure, c.gained, c.lost) for c in comparison.changes if c.gained or c.lost]
    return out
