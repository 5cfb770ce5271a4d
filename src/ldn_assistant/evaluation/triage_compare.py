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
from .triage_eval import LAYERED, TUNED_ON


@dataclass(frozen=True)
class TriageComparison:
    """Per triage set both runs scored: recall and specificity of a triage system. `left_out` says why nothing could
    be compared, when that is so; `skipped` names the sets left out one by one, each with its reason."""

    before_system: str
    system: str
    changes: tuple[MeasureChange, ...]
    left_out: str | None = None
    skipped: tuple[str, ...] = ()


def _side(report: dict[str, Any], label: str) -> dict[str, Any] | None:
    triage = report.get("triage")
    if triage is None:
        return None
    halves = triage.get("halves") if isinstance(triage, dict) else None
    if not isinstance(halves, dict):
        raise ReportError(f"the {label} report is malformed: triage.halves must map each set to its systems")
    return halves


def _digests(report: dict[str, Any]) -> dict[str, str]:
    """Each set's fingerprint of its messages (triage_eval.cases_digest); reports written before it have none, and
    are then checked by their counts only."""
    digests = report["triage"].get("digests")
    return {k: v for k, v in digests.items() if isinstance(v, str)} if isinstance(digests, dict) else {}


@dataclass(frozen=True)
class SetScores:
    """One triage system on one set, as far as the comparison needs it."""

    emergencies: int
    missed: frozenset[str]  # ids of emergencies not flagged
    others: int  # risk and routine messages
    false_alarms: frozenset[str]  # ids of other messages flagged


def _ids(value: Any) -> frozenset[str] | None:
    """A list of distinct ids (a tuple before the report is written as JSON), or None if it is not one."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(i, str) for i in value) or len(set(value)) != len(value):
        return None
    return frozenset(value)


def _scores(halves: dict[str, Any], name: str, system: str, label: str) -> SetScores:
    where = f"the {label} report, triage set {name!r}"
    systems = halves.get(name)
    if not isinstance(systems, dict) or system not in systems:
        ran = ", ".join(systems) if isinstance(systems, dict) else "none"
        raise ReportError(f"{where} has no system {system!r} (it ran: {ran})")
    try:
        metrics = systems[system]
        emergencies, missed, others, alarms = metrics["emergencies"], _ids(metrics["missed"]), metrics["non_emergencies"], _ids(metrics["false_alarms"])
    except (KeyError, TypeError) as exc:
        raise ReportError(f"{where} is malformed (missing or wrong: {exc})") from None
    counts_ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (emergencies, others))
    if not counts_ok or missed is None or alarms is None or len(missed) > emergencies or len(alarms) > others:
        raise ReportError(f"{where} is malformed: counts must be whole numbers, missed and false_alarms lists of distinct ids within them")
    return SetScores(emergencies, missed, others, alarms)


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


def _mismatch(name: str, old: SetScores, new: SetScores, digests: tuple[dict[str, str], dict[str, str]]) -> str | None:
    """Why a set's two scorings cannot be set against each other, or None if they can."""
    if name in digests[0] and name in digests[1] and digests[0][name] != digests[1][name]:
        return f"{name}: its messages differ between the reports (another version of the set file)"
    if (old.emergencies, old.others) != (new.emergencies, new.others):
        return f"{name}: {old.emergencies} emergencies and {old.others} other messages in the first report, {new.emergencies} and {new.others} in the second"
    return None


def compare_triage(before: dict[str, Any], after: dict[str, Any], system: str = LAYERED, before_system: str | None = None) -> TriageComparison:
    """The triage of two golden-suite eval reports (as compare.read_report gives them), set by set: `system` of the
    second against `before_system` (default the same; e.g. the regex baseline) of the first.

    A set is compared when it holds the same messages in both (by its fingerprint; for reports written before the
    fingerprints, by its counts); any other set is left out and named, so that an edited set file does not stop the
    rest of a comparison. A report run with --no-triage leaves the triage out, and says so."""
    before_system = before_system or system
    old, new = _side(before, "first"), _side(after, "second")
    if old is None or new is None:
        which = "neither report has any" if old is None and new is None else f"the {'first' if old is None else 'second'} report has none"
        return TriageComparison(before_system, system, (), f"Triage left out: {which} (a run with --no-triage).")
    digests = (_digests(before), _digests(after))
    changes: list[MeasureChange] = []
    skipped = [f"{name}: only in the first report" for name in old if name not in new]
    skipped += [f"{name}: only in the second report" for name in new if name not in old]
    for name in (n for n in new if n in old):
        scores_before, scores_after = _scores(old, name, before_system, "first"), _scores(new, name, system, "second")
        reason = _mismatch(name, scores_before, scores_after, digests)
        if reason:
            skipped.append(reason)
            continue
        if scores_before.emergencies:
            changes.append(_change(name, "recall", scores_before.emergencies, scores_before.missed, scores_after.missed))
        if scores_before.others:
            changes.append(_change(name, "specificity", scores_before.others, scores_before.false_alarms, scores_after.false_alarms))
    return TriageComparison(before_system, system, tuple(changes), None, tuple(skipped))


def triage_comparison_markdown(comparison: TriageComparison, show_cases: bool = False) -> list[str]:
    """The triage section of the comparison's Markdown, as lines. With show_cases, message ids are listed for the sets
    tuned on only: a held-out set's misses are not to be read, and one flag covers every set an eval run scored."""
    out = ["", f"## Emergency triage ({systems_label(comparison.before_system, comparison.system)}), message by message", ""]
    if comparison.left_out:
        return [*out, comparison.left_out]
    out += measure_change_table(comparison.changes, "set") if comparison.changes else ["No triage set could be compared."]
    out += [
        "",
        "Recall: emergencies flagged. Specificity: the other messages (risk and routine) left unflagged, one minus the "
        "false-alarm rate. Judge a triage change on the sets it was not tuned on.",
    ]
    if comparison.skipped:
        out += ["", "Triage sets left out: " + "; ".join(comparison.skipped) + "."]
    if show_cases:
        out += ["", "### Messages that changed (sets tuned on only; held-out sets' ids are withheld)", ""]
        out += [changed_cases_line(c.group, c.measure, c.gained, c.lost) for c in comparison.changes if c.group in TUNED_ON and (c.gained or c.lost)]
    return out
