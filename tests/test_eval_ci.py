"""CI quality gate: the core suite through the eval runner, with thresholds that lock in today's quality.

The thresholds sit a little under what the product reached when they were set; raise them when the
product improves, never lower them to make a change pass. Only quality is gated, never time.
Same gate from the shell:  ldn-assistant eval core --fail-under hit@1=... (see docs/eval.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ldn_assistant.evaluation.compare import compare_reports
from ldn_assistant.evaluation.report import write_report
from ldn_assistant.evaluation.runner import run_eval
from ldn_assistant.evaluation.suites import load_suite
from ldn_assistant.evaluation.thresholds import check_thresholds, parse_threshold

CORE = Path(__file__).resolve().parents[1] / "evals" / "core.jsonl"

# Product (ldn-assistant) thresholds on evals/core.jsonl. Reset 2026-11-23 when the hand-written
# expansions, anchor and topic lists fitted to the seed documents and to these very questions were
# removed (issue 15): they had bought core its 0.770/0.931 (hit@1/hit@3) and holdout 0.763/0.895; the
# methods that replaced them reach core 0.701/0.828, hit@5 0.862, mrr@10 0.766, ndcg@10 0.608, status
# 0.962, abstention precision 0.977 and recall 0.913, and 0.708/0.831 on the never-tuned unseen suite
# (docs/eval.md). Set a little under those; raise them as methods improve. Raised 2026-12-04 with the co-use passage
# (retrieval.HybridRetriever; core 0.759/0.874, one or two questions of slack for another machine's rounding).
CORE_THRESHOLDS = (
    "hit@1=0.74",
    "hit@3=0.85",
    "hit@5=0.84",
    "mrr@10=0.74",
    "ndcg@10=0.58",
    "status_accuracy=0.94",
    "abstention_precision=0.95",
    "abstention_recall=0.88",
    "disclaimer_rate=1.0",
    "verbatim_rate=1.0",
    "citation_rate=1.0",
    # Every passage the baseline shows must also be an exact slice of the corpus (start_index offsets).
    "naive-langchain.verbatim_rate=1.0",
)


@pytest.fixture(scope="module")
def core_run(assistant):
    """All four systems over the core suite, once, on the session's index and embedder."""
    return run_eval([load_suite(CORE)], assistant)


@pytest.mark.slow
def test_core_suite_meets_the_quality_thresholds(core_run):
    misses = check_thresholds([parse_threshold(t) for t in CORE_THRESHOLDS], core_run.metrics())
    assert not misses, "quality thresholds missed:\n" + "\n".join(str(m) for m in misses)


@pytest.mark.slow
def test_the_product_beats_the_naive_baseline_where_it_matters(core_run):
    m = core_run.metrics()
    product, naive = m["ldn-assistant"], m["naive-langchain"]
    assert product.hit_at_1 > naive.hit_at_1
    assert product.status_accuracy > naive.status_accuracy
    assert naive.disclaimer_rate == 0.0  # the baseline shows no disclaimers: the metric can tell


@pytest.mark.slow
def test_ablations_change_retrieval_only(core_run):
    product = core_run.results["ldn-assistant"]
    for name in ("dense-only", "bm25-only"):
        ablated = core_run.results[name]
        # Triage runs before retrieval and is shared: where it decided the product's status, it decides theirs.
        assert all(a.outcome.status == p.outcome.status for a, p in zip(ablated, product, strict=True) if p.outcome.status in ("emergency", "out_of_scope"))
        # And one retriever really is off: some answer shows other passages.
        assert any(a.answer.passages != p.answer.passages for a, p in zip(ablated, product, strict=True))


@pytest.mark.slow
def test_the_core_report_is_written(core_run, tmp_path):
    written = write_report(core_run, tmp_path)
    data = json.loads(written.json.read_text(encoding="utf-8"))
    assert data["n_cases"] == 133 and set(data["systems"]) == {"ldn-assistant", "naive-langchain", "dense-only", "bm25-only"}
    assert sum(data["categories"].values()) == 133
    assert len(data["cases"]) == 133 and all(len(c["got"]) == 4 for c in data["cases"])
    assert "## Failures of ldn-assistant" in written.markdown.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_comparison_of_two_real_systems_agrees_with_the_report(core_run, tmp_path):
    """The product against its dense-only ablation, case by case: the counts must give back the report's own figures
    (the comparison's definition of a hit is the metrics' one), and the hybrid must gain more questions than it loses."""
    written = write_report(core_run, tmp_path)
    data = json.loads(written.json.read_text(encoding="utf-8"))
    comparison = compare_reports(data, data, before_system="dense-only")
    by = {c.measure: c for c in comparison.changes}
    assert [c.group for c in comparison.changes] == ["core"] * 3  # one suite: no overall row
    for measure, change in by.items():
        assert change.before_rate == pytest.approx(data["systems"]["dense-only"][measure])
        assert change.after_rate == pytest.approx(data["systems"]["ldn-assistant"][measure])
    assert by["hit@3"].n == data["n_answerable"] and by["status_accuracy"].n == data["n_cases"]
    assert len(by["hit@3"].gained) > len(by["hit@3"].lost)
