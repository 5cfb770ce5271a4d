"""Suite loading and validation, suite discovery, --fail-under parsing, and the CLI's argument errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ldn_assistant.cli import main
from ldn_assistant.evaluation.metrics import CaseOutcome, summarize
from ldn_assistant.evaluation.runner import resolve_suite_args
from ldn_assistant.evaluation.suites import SuiteError, discover_suites, load_suite, load_suites
from ldn_assistant.evaluation.thresholds import Threshold, check_thresholds, parse_threshold

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "id": "x-1",
    "user_input": "What dose of LDN is used?",
    "category": "clinician",
    "expected_status": "answered",
    "reference_contexts": ["typically ranging from 1.5 to 4.5 milligrams"],
    "reference_sources": ["000.txt"],
}


def write_suite(path: Path, *cases: dict) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


def test_the_shipped_suites_load_with_their_documented_sizes():
    core = load_suite(ROOT / "evals" / "core.jsonl")
    holdout = load_suite(ROOT / "evals" / "holdout.jsonl")
    assert (core.name, len(core.cases)) == ("core", 133)
    assert (holdout.name, len(holdout.cases)) == ("holdout", 60)
    assert all(c.suite == "core" for c in core.cases)
    assert all(c.reference_contexts for c in core.cases if c.answerable)
    load_suites([core.path, holdout.path])  # ids are unique across the two


def test_a_valid_case_loads_into_a_typed_case(tmp_path):
    suite = load_suite(write_suite(tmp_path / "mine.jsonl", GOOD | {"notes": "hand-made"}))
    (case,) = suite.cases
    assert suite.name == "mine"
    assert case.reference_contexts == ("typically ranging from 1.5 to 4.5 milligrams",)
    assert case.notes == "hand-made" and case.answerable


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expected_status": "maybe"}, "expected_status must be one of"),
        ({"reference_contexts": []}, "needs at least one reference_contexts"),
        ({"expected_status": "emergency"}, "must have no reference_contexts"),
        ({"user_input": "  "}, "must not be empty"),
        ({"reference_contexts": "one string"}, "must be a list"),
        ({"reference_contexts": [""]}, "non-empty string"),
        ({"colour": "blue"}, "unknown field"),
    ],
)
def test_bad_cases_are_refused_with_file_line_and_reason(tmp_path, change, message):
    path = write_suite(tmp_path / "bad.jsonl", GOOD | {"id": "ok"}, GOOD | change)
    with pytest.raises(SuiteError, match=message) as err:
        load_suite(path)
    assert f"{path}:2" in str(err.value)


def test_missing_field_invalid_json_duplicate_ids_and_empty_files(tmp_path):
    missing = {k: v for k, v in GOOD.items() if k != "category"}
    with pytest.raises(SuiteError, match="missing field 'category'"):
        load_suite(write_suite(tmp_path / "a.jsonl", missing))
    (tmp_path / "b.jsonl").write_text('{"id": "x"\n', encoding="utf-8")
    with pytest.raises(SuiteError, match="not valid JSON"):
        load_suite(tmp_path / "b.jsonl")
    with pytest.raises(SuiteError, match="duplicate id 'x-1'"):
        load_suite(write_suite(tmp_path / "c.jsonl", GOOD, GOOD))
    (tmp_path / "d.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(SuiteError, match="has no cases"):
        load_suite(tmp_path / "d.jsonl")
    with pytest.raises(SuiteError, match="in both one and two"):
        load_suites([write_suite(tmp_path / "one.jsonl", GOOD), write_suite(tmp_path / "two.jsonl", GOOD)])


def test_dropping_a_file_in_the_folder_adds_a_suite(tmp_path):
    write_suite(tmp_path / "b.jsonl", GOOD)
    write_suite(tmp_path / "a.jsonl", GOOD | {"id": "other"})
    (tmp_path / "notes.txt").write_text("not a suite")
    assert [p.name for p in discover_suites(tmp_path)] == ["a.jsonl", "b.jsonl"]
    assert [p.name for p in resolve_suite_args([], tmp_path)] == ["a.jsonl", "b.jsonl"]
    # A bare name is looked up in the folder; a path is used as it is; a repeat is dropped.
    assert resolve_suite_args(["b", str(tmp_path / "b.jsonl")], tmp_path) == [tmp_path / "b.jsonl"]
    with pytest.raises(SuiteError, match="neither a file nor a suite"):
        resolve_suite_args(["nope"], tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SuiteError, match="no \\*.jsonl suites"):
        discover_suites(empty)


def test_thresholds_parse_with_and_without_a_system():
    assert parse_threshold("hit@3=0.85") == Threshold("ldn-assistant", "hit@3", 0.85)
    assert parse_threshold("ldn-assistant.hit@3=0.85") == Threshold("ldn-assistant", "hit@3", 0.85)
    assert parse_threshold(" naive-langchain.status_accuracy = 0.5") == Threshold("naive-langchain", "status_accuracy", 0.5)
    for bad, message in [
        ("hit@3", "must look like"),
        ("hit@4=0.5", "unknown metric"),
        ("latency_p95_ms=0.5", "unknown metric"),  # timings are never thresholds
        ("hit@3=high", "not a number"),
        ("hit@3=1.5", "between 0 and 1"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_threshold(bad)


def test_check_thresholds_reports_each_miss():
    def answered(*relevant: bool) -> CaseOutcome:
        n = len(relevant)
        return CaseOutcome("c", "lay", "answered", "answered", relevant, (True,) * n, (True,) * n, True, 1.0, 1)

    metrics = {"ldn-assistant": summarize([answered(False, True), answered(True)])}
    # hit@1 = 0.5, hit@3 = 1.0
    misses = check_thresholds([parse_threshold("hit@1=0.6"), parse_threshold("hit@3=1.0")], metrics)
    assert [str(m.threshold) for m in misses] == ["ldn-assistant.hit@1=0.6"]
    assert "0.5000, below the required 0.6" in str(misses[0])
    # An undefined metric (no abstention case) misses rather than passing silently.
    assert len(check_thresholds([parse_threshold("abstention_recall=0.1")], metrics)) == 1
    with pytest.raises(ValueError, match="did not run"):
        check_thresholds([parse_threshold("bm25-only.hit@1=0.1")], metrics)


def test_cli_refuses_bad_arguments_before_loading_anything(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["eval", "--fail-under", "hit@3"])
    assert result.exit_code == 2 and "must look like METRIC=VALUE" in result.output
    result = runner.invoke(main, ["eval", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "neither a file nor a suite" in result.output
    bad = write_suite(tmp_path / "bad.jsonl", GOOD | {"expected_status": "maybe"})
    result = runner.invoke(main, ["eval", str(bad)])
    assert result.exit_code == 2 and "expected_status must be one of" in result.output
    result = runner.invoke(main, ["eval", str(write_suite(tmp_path / "ok.jsonl", GOOD)), "--system", "bm25-only", "--fail-under", "hit@1=0.5"])
    assert result.exit_code == 2 and "not being run" in result.output


def test_cli_help_documents_fail_under():
    result = CliRunner().invoke(main, ["eval", "--help"])
    assert result.exit_code == 0
    assert "--fail-under" in result.output and "ldn-assistant" in result.output and "hit@3=0.85" in result.output
