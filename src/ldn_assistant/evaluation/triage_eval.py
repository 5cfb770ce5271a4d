"""The triage suite: emergency recall per category and false alarms, on messages no rule was fitted to.

evals/triage/ holds nine sets, each written by a writer of its own before the choices it measures: dev.jsonl
and dev2.jsonl (TUNED_ON: thresholds, patterns and exemplar batches are chosen on them), and seven held-out
sets, never tuned on, whose figures are reported: locked.jsonl, locked2.jsonl, and writer6.jsonl, writer10.jsonl,
writer11.jsonl, writer12.jsonl and writer13.jsonl (five writers' messages written as exemplar batches that did not
win on dev and so trained nothing; writer6 covers six of the nine categories; writer12 and writer13 turn the bank's
style around: emergencies written calmly and formally, non-emergencies hurried and informal).
Each line: {"id", "text", "expected": "emergency" | "risk" | "routine", "category"}.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..domains import EMERGENCY_CATEGORIES
from ..triage import EmergencySignal
from .triage_baseline import regex_emergency

if TYPE_CHECKING:
    from ..assistant import Assistant

TRIAGE_DIR = Path("evals/triage")
HALVES = ("dev", "dev2", "locked", "locked2", "writer6", "writer10", "writer11", "writer12", "writer13")  # in the report's order
TUNED_ON = ("dev", "dev2")  # thresholds and choices are made on these; the others are held out
EXPECTED = ("emergency", "risk", "routine")
ROUTINE_CATEGORIES = ("everyday", "venting", "mild_symptom", "off_topic")
TUNING_NOTE = f"Thresholds were chosen on {' and '.join(TUNED_ON)}; {', '.join(h for h in HALVES if h not in TUNED_ON)} were never tuned on."
LAYERED, PATTERNS_ONLY, REGEX_BASELINE = "layered", "patterns-only", "regex-baseline"
TRIAGE_SYSTEMS = (LAYERED, PATTERNS_ONLY, REGEX_BASELINE)
TRIAGE_DESCRIPTIONS = {
    LAYERED: "the product: profile patterns, then the question's embedding against the exemplar bank",
    PATTERNS_ONLY: "layer 1 alone: the profile's patterns with their not-now framing",
    REGEX_BASELINE: "the regex-only triage before this change (commit ff58399)",
}


class TriageSuiteError(ValueError):
    """A triage suite file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class TriageCase:
    id: str
    text: str
    expected: str
    category: str


def load_triage_suite(path: Path) -> list[TriageCase]:
    cases: list[TriageCase] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            data = json.loads(line)
            case = TriageCase(str(data["id"]), str(data["text"]), str(data["expected"]), str(data["category"]))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise TriageSuiteError(f"{where}: not a triage case ({exc})") from None
        if case.expected not in EXPECTED:
            raise TriageSuiteError(f"{where}: expected must be one of {', '.join(EXPECTED)}, not {case.expected!r}")
        allowed = ROUTINE_CATEGORIES if case.expected == "routine" else EMERGENCY_CATEGORIES
        if case.category not in allowed:
            raise TriageSuiteError(f"{where}: category {case.category!r} does not fit expected {case.expected!r}")
        if case.id in seen:
            raise TriageSuiteError(f"{where}: duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    return cases


@dataclass(frozen=True)
class TriageMetrics:
    """One system on one half."""

    emergencies: int
    recall: float
    recall_by_category: dict[str, float]
    non_emergencies: int
    false_alarm_rate: float
    risk_note_rate: float  # risk messages answered with the crisis note (or flagged): the soft tier's reach
    routine_note_rate: float  # routine messages given the crisis note: its noise
    missed: tuple[str, ...] = field(default=())  # ids of emergencies not flagged
    false_alarms: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def score(cases: list[TriageCase], signals: list[EmergencySignal]) -> TriageMetrics:
    def rate(hits: list[bool]) -> float:
        return round(sum(hits) / len(hits), 4) if hits else 0.0

    emergencies = [(c, s) for c, s in zip(cases, signals, strict=True) if c.expected == "emergency"]
    others = [(c, s) for c, s in zip(cases, signals, strict=True) if c.expected != "emergency"]
    by_category = {
        cat: rate([s.emergency for c, s in emergencies if c.category == cat]) for cat in EMERGENCY_CATEGORIES if any(c.category == cat for c, _ in emergencies)
    }
    return TriageMetrics(
        emergencies=len(emergencies),
        recall=rate([s.emergency for _, s in emergencies]),
        recall_by_category=by_category,
        non_emergencies=len(others),
        false_alarm_rate=rate([s.emergency for _, s in others]),
        risk_note_rate=rate([s.emergency or s.crisis_note for c, s in others if c.expected == "risk"]),
        routine_note_rate=rate([s.emergency or s.crisis_note for c, s in others if c.expected == "routine"]),
        missed=tuple(c.id for c, s in emergencies if not s.emergency),
        false_alarms=tuple(c.id for c, s in others if s.emergency),
    )


def triage_systems(assistant: Assistant) -> dict[str, Callable[[str], EmergencySignal]]:
    """Each system as a function from message to signal; all read the same cleaned text."""
    from ..safety import clean_question

    def cleaned(text: str) -> str:
        return clean_question(text, assistant.settings.max_question_chars)

    return {
        LAYERED: lambda t: assistant.triage(cleaned(t)),
        PATTERNS_ONLY: lambda t: assistant.detector.detect(cleaned(t)),
        REGEX_BASELINE: lambda t: EmergencySignal(regex_emergency(cleaned(t)), False),
    }


def cases_digest(cases: list[TriageCase]) -> str:
    """A short fingerprint of a set's messages and labels: two reports with the same one scored the same messages, so
    the ids they list as missed or falsely flagged can be set against each other (triage_compare). Sorted by id, as
    the comparison matches messages by id: re-ordering a file changes nothing. Reports keep these, so the encoding
    must not change (a test pins it)."""
    rows = sorted([c.id, c.text, c.expected, c.category] for c in cases)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class TriageReport:
    """Every system on every half, with the profile the figures were made with."""

    profile: dict[str, object]
    halves: dict[str, dict[str, TriageMetrics]]  # half -> system -> metrics
    digests: dict[str, str] = field(default_factory=dict)  # half -> cases_digest of its file

    def to_dict(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "descriptions": TRIAGE_DESCRIPTIONS,
            "digests": self.digests,
            "halves": {h: {s: m.to_dict() for s, m in systems.items()} for h, systems in self.halves.items()},
        }


def run_triage(assistant: Assistant, folder: Path = TRIAGE_DIR, halves: tuple[str, ...] = HALVES) -> TriageReport:
    systems = triage_systems(assistant)
    results: dict[str, dict[str, TriageMetrics]] = {}
    digests: dict[str, str] = {}
    for half in halves:
        cases = load_triage_suite(folder / f"{half}.jsonl")
        results[half] = {name: score(cases, [judge(c.text) for c in cases]) for name, judge in systems.items()}
        digests[half] = cases_digest(cases)
    return TriageReport(assistant.profile.to_dict(), results, digests)


def triage_markdown(data: dict) -> list[str]:
    """Tables for report.md and docs/eval.md from TriageReport.to_dict(): recall per category, false
    alarms and the soft tier, one table per half, the systems side by side."""
    profile = data["profile"]
    lines = [f"Profile `{profile.get('name')}` {profile.get('version')} (digest {profile.get('digest')}).", ""]
    for half, systems in data["halves"].items():
        names = list(systems)
        first = systems[names[0]]
        role = "tuned on" if half in TUNED_ON else "held out"
        lines += [f"**{half}** ({role})", "", "| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

        def row(label: str, values: list[float]) -> str:
            return f"| {label} | " + " | ".join(f"{v:.3f}" for v in values) + " |"

        lines.append(row(f"emergency recall (n={first['emergencies']})", [systems[n]["recall"] for n in names]))
        for cat in first["recall_by_category"]:
            lines.append(row(f"recall: {cat}", [systems[n]["recall_by_category"][cat] for n in names]))
        lines.append(row(f"false alarms (n={first['non_emergencies']})", [systems[n]["false_alarm_rate"] for n in names]))
        lines.append(row("risk messages given the crisis note or flagged", [systems[n]["risk_note_rate"] for n in names]))
        lines.append(row("routine messages given the crisis note or flagged", [systems[n]["routine_note_rate"] for n in names]))
        lines.append("")
    return lines
