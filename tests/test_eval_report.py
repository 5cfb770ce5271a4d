"""Scoring one answer (judge) and writing the report, on hand-made answers: no model needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ldn_assistant.evaluation.report import write_report
from ldn_assistant.evaluation.runner import CaseResult, EvalRun, judge
from ldn_assistant.evaluation.suites import Case, Suite
from ldn_assistant.evaluation.systems import ShownPassage, SystemAnswer
from ldn_assistant.evaluation.thresholds import check_thresholds, parse_threshold
from ldn_assistant.safety import DISCLAIMERS
from ldn_assistant.types import Source, SourceMetadata, content_hash

TEXT = "Low dose naltrexone is usually 1.5 to 4.5 mg a day.\nIt is taken at night. Opioids must be stopped first."
SOURCE = Source("doc.txt", "/corpus/doc.txt", TEXT, SourceMetadata(title="A guide", kind="article"), content_hash(TEXT))
BARE = Source("bare.txt", "/corpus/bare.txt", TEXT, SourceMetadata(), content_hash(TEXT + " "))
SOURCES = {s.source_id: s for s in (SOURCE, BARE)}


def span(text: str, title: str | None = "A guide", source_id: str = "doc.txt") -> ShownPassage:
    start = TEXT.index(text)
    return ShownPassage(source_id, start, start + len(text), text, title)


DOSE = Case("dose", "What dose?", "clinician", "answered", ("1.5 to 4.5 mg a day. It is taken",), ("doc.txt",), suite="mini")
HELP = Case("help", "He is not breathing", "emergency", "emergency", (), (), suite="mini")


def test_judge_scores_relevance_offsets_citations_and_disclaimers():
    first = span("Low dose naltrexone is usually 1.5 to 4.5 mg a day.")
    whole = span(TEXT)  # holds the evidence, whose line break the suite wrote as a space
    shifted = ShownPassage("doc.txt", 1, 1 + len(first.text), first.text, "A guide")  # offsets off by one
    unknown = ShownPassage("gone.txt", 0, 5, "Low d", None)
    wrong_title = span("It is taken at night.", title="Another title")
    bare = span("It is taken at night.", title=None, source_id="bare.txt")  # a source nothing is known about
    answer = SystemAnswer("answered", (first, whole, shifted, unknown, wrong_title, bare), DISCLAIMERS)
    o = judge(DOSE, answer, SOURCES.__getitem__, 12.5)
    assert o.relevant == (False, True, False, False, False, False)
    assert o.verbatim == (True, True, False, False, True, True)
    assert o.resolvable == (True, True, True, False, False, False)
    assert o.disclaimers_ok and o.latency_ms == 12.5 and o.n_references == 1
    assert not judge(DOSE, SystemAnswer("answered", (first,), DISCLAIMERS[:2]), SOURCES.__getitem__, 1.0).disclaimers_ok
    assert not judge(DOSE, SystemAnswer("answered", (first,), ()), SOURCES.__getitem__, 1.0).disclaimers_ok


def _run() -> EvalRun:
    product = [
        SystemAnswer("answered", (span("It is taken at night."), span(TEXT)), DISCLAIMERS),  # evidence at rank 2
        SystemAnswer("answered", (span("Opioids must be stopped first."),), DISCLAIMERS),  # should have been an emergency
    ]
    naive = [SystemAnswer("answered", (span(TEXT, title=None),), ()), SystemAnswer("answered", (span(TEXT, title=None),), ())]
    results = {}
    for name, answers in (("ldn-assistant", product), ("naive-langchain", naive)):
        results[name] = [CaseResult(c, name, a, judge(c, a, SOURCES.__getitem__, 5.0)) for c, a in zip((DOSE, HELP), answers, strict=True)]
    suite = Suite("mini", Path("mini.jsonl"), (DOSE, HELP))
    info = {"top_k": 5, "descriptions": {"ldn-assistant": "product", "naive-langchain": "baseline"}}
    return EvalRun([suite], ["ldn-assistant", "naive-langchain"], results, 0.5, info)


def test_case_results_pass_only_with_the_right_status_and_evidence_in_the_top_3():
    run = _run()
    dose, helpme = run.results["ldn-assistant"]
    assert dose.first_hit_rank == 2 and dose.passed
    assert helpme.first_hit_rank is None and not helpme.passed
    assert run.results["naive-langchain"][0].first_hit_rank == 1


def test_report_files_hold_the_tables_the_failures_and_the_plots(tmp_path):
    run = _run()
    thresholds = [parse_threshold("hit@1=0.5"), parse_threshold("naive-langchain.hit@1=0.5")]
    misses = check_thresholds(thresholds, run.metrics())
    written = write_report(run, tmp_path / "out", thresholds=thresholds, misses=misses)

    data = json.loads(written.json.read_text(encoding="utf-8"))
    assert data["n_cases"] == 2 and data["categories"] == {"clinician": 1, "emergency": 1}
    assert data["systems"]["ldn-assistant"]["hit@1"] == 0.0 and data["systems"]["ldn-assistant"]["hit@3"] == 1.0
    assert data["systems"]["ldn-assistant"]["status_accuracy"] == 0.5
    assert data["systems"]["naive-langchain"]["disclaimer_rate"] == 0.0
    assert data["per_category"]["ldn-assistant"]["emergency"]["status_accuracy"] == 0.0
    assert data["hit_at_k"]["ldn-assistant"][:3] == [0.0, 1.0, 1.0]
    assert [t["passed"] for t in data["thresholds"]] == [False, True]
    # Wilson 95%: 0 of 1 answerable at hit@1, 1 of 1 at hit@3, 1 of 2 cases with the right status.
    expected = {"hit@1": [0.0, 0.7935], "hit@3": [0.2065, 1.0], "status_accuracy": [0.0945, 0.9055]}
    assert {k: pytest.approx(v, abs=1e-4) for k, v in expected.items()} == data["intervals"]["overall"]
    assert data["intervals"]["per_suite"] == {"mini": data["intervals"]["overall"]}
    case = data["cases"][1]
    assert case["id"] == "help" and case["question"] == "He is not breathing"
    assert case["expected"]["status"] == "emergency"
    assert case["got"]["ldn-assistant"]["status"] == "answered" and case["got"]["ldn-assistant"]["passed"] is False
    long_text = data["cases"][0]["got"]["ldn-assistant"]["passages"][1]["text"]
    assert long_text.startswith("Low dose") and len(long_text) <= 201

    md = written.markdown.read_text(encoding="utf-8")
    assert "| ldn-assistant | 0.000 | 1.000 |" in md  # hit@1, hit@3
    assert "## Failures of ldn-assistant (1 of 2)" in md
    assert "ldn-assistant, 95% intervals (Wilson): hit@1 0.000-0.793, hit@3 0.207-1.000, status_accuracy 0.095-0.905." in md
    assert "He is not breathing" in md and "**Expected:** `emergency`" in md and "**Got:** `answered`" in md
    assert "ldn-assistant.hit@1=0.5 | 0.000 | **MISSED**" in md
    assert {p.name for p in written.plots} == {"hit_at_k.png", "categories.png"}
    for plot in written.plots:
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({plot.name})" in md
