"""Golden suites: JSON Lines files of questions with the status and the evidence each answer needs.

One case per line:
    {"id": "...", "user_input": "...", "category": "...", "expected_status": "answered",
     "reference_contexts": ["verbatim evidence", ...], "reference_sources": ["file.txt", ...],
     "notes": "optional"}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..types import STATUSES

# Statuses a case may expect; "error" is what a failure looks like, never a goal.
EXPECTABLE = tuple(s for s in STATUSES if s != "error")
REQUIRED_FIELDS: dict[str, type] = {
    "id": str,
    "user_input": str,
    "category": str,
    "expected_status": str,
    "reference_contexts": list,
    "reference_sources": list,
}
OPTIONAL_FIELDS: dict[str, type] = {"notes": str}


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Case:
    """One question with what a correct answer must be."""

    id: str
    user_input: str
    category: str
    expected_status: str
    reference_contexts: tuple[str, ...]
    reference_sources: tuple[str, ...]
    notes: str | None = None
    suite: str = ""

    @property
    def answerable(self) -> bool:
        """Cases with evidence to find: the ones ranking metrics are computed over."""
        return self.expected_status == "answered"


@dataclass(frozen=True)
class Suite:
    name: str  # the file name without .jsonl
    path: Path
    cases: tuple[Case, ...]


def _parse_line(line: str, where: str, suite: str) -> Case:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{where}: each line must be a JSON object")
    for name, kind in REQUIRED_FIELDS.items():
        if name not in data:
            raise SuiteError(f"{where}: missing field {name!r}")
        if not isinstance(data[name], kind):
            raise SuiteError(f"{where}: field {name!r} must be a {'list' if kind is list else 'string'}")
    for name, kind in OPTIONAL_FIELDS.items():
        if data.get(name) is not None and not isinstance(data[name], kind):
            raise SuiteError(f"{where}: field {name!r} must be a string")
    unknown = set(data) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
    if unknown:
        raise SuiteError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not data["id"].strip() or not data["user_input"].strip():
        raise SuiteError(f"{where}: 'id' and 'user_input' must not be empty")
    if data["expected_status"] not in EXPECTABLE:
        raise SuiteError(f"{where}: expected_status must be one of {', '.join(EXPECTABLE)}, got {data['expected_status']!r}")
    for name in ("reference_contexts", "reference_sources"):
        if not all(isinstance(x, str) and x.strip() for x in data[name]):
            raise SuiteError(f"{where}: every entry of {name!r} must be a non-empty string")
    answered = data["expected_status"] == "answered"
    if answered and not data["reference_contexts"]:
        raise SuiteError(f"{where}: an 'answered' case needs at least one reference_contexts string")
    if not answered and data["reference_contexts"]:
        raise SuiteError(f"{where}: a {data['expected_status']!r} case must have no reference_contexts")
    return Case(
        id=data["id"],
        user_input=data["user_input"],
        category=data["category"],
        expected_status=data["expected_status"],
        reference_contexts=tuple(data["reference_contexts"]),
        reference_sources=tuple(data["reference_sources"]),
        notes=data.get("notes"),
        suite=suite,
    )


def load_suite(path: str | Path) -> Suite:
    """Read and validate one suite file; raises SuiteError at the first bad line."""
    path = Path(path)
    if not path.is_file():
        raise SuiteError(f"suite {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SuiteError(f"{path}: not UTF-8 ({exc.reason})") from None
    name = path.name.removesuffix(".jsonl")
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue  # a trailing blank line is harmless here; check_suite.py is the strict linter
        case = _parse_line(line, f"{path}:{lineno}", name)
        if case.id in seen:
            raise SuiteError(f"{path}:{lineno}: duplicate id {case.id!r} (first on line {seen[case.id]})")
        seen[case.id] = lineno
        cases.append(case)
    if not cases:
        raise SuiteError(f"suite {path} has no cases")
    return Suite(name, path, tuple(cases))


def discover_suites(folder: str | Path) -> list[Path]:
    """Every *.jsonl file in the folder, in name order: dropping a file there adds a suite."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SuiteError(f"no suites folder {folder}; pass suite files as arguments")
    found = sorted(folder.glob("*.jsonl"))
    if not found:
        raise SuiteError(f"no *.jsonl suites in {folder}")
    return found


def load_suites(paths: Sequence[str | Path]) -> list[Suite]:
    """Load several suites; the same case id in two suites is refused, since reports key cases by id."""
    suites = [load_suite(p) for p in paths]
    owner: dict[str, str] = {}
    for suite in suites:
        for case in suite.cases:
            if case.id in owner and owner[case.id] != suite.name:
                raise SuiteError(f"case id {case.id!r} is in both {owner[case.id]} and {suite.name}; ids must be unique across suites")
            owner[case.id] = suite.name
    return suites
