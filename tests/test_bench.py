"""The benchmark as a smoke test: `bench --quick` must finish and write complete, sane reports.

No timing thresholds here: speed is judged from the report, by people, as ratios.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from ldn_assistant.evaluation.bench_backends import QUALITY_TOLERANCE

ROOT = Path(__file__).resolve().parents[1]

REQUIRED = {
    "ingest": ("passages_per_s", "encoder_passages_per_s", "ratio"),
    "query": ("ask_p50_ms", "ask_p95_ms", "floor_p50_ms", "ratio_to_floor", "naive_langchain_p50_ms", "ratio_to_naive"),
    "cold_start": ("cli_ask_s", "floor_s", "ratio", "import_sentence_transformers_s", "ratio_to_import_sentence_transformers"),
}
BACKEND_KEYS = (
    "ingest_passages_per_s",
    "encoder_passages_per_s",
    "ingest_ratio_to_torch_ingest",
    "embed_query_p50_ms",
    "ask_p50_ms",
    "cold_ask_s",
    "cold_ratio_to_import_sentence_transformers",
)
SCALE_KEYS = ("passages", "ingest_s", "query_p50_ms", "query_p95_ms", "index_mb", "peak_rss_mb")


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_percentile_and_spread():
    from ldn_assistant.evaluation.bench_stats import Spread, rotated
    from ldn_assistant.evaluation.percentile import percentile

    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([10], 95) == 10
    spread = Spread.of([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (spread.median, spread.p25, spread.p75, spread.iqr) == (3.0, 2.0, 4.0, 2.0)
    assert rotated(["a", "b", "c"], 4) == ["b", "c", "a"]
    with pytest.raises(ValueError):
        percentile([], 50)


def test_synthetic_corpus_is_deterministic_and_hits_the_size(tmp_path):
    from ldn_assistant.corpus import scan_corpus
    from ldn_assistant.evaluation.bench_corpus import write_synthetic_corpus
    from ldn_assistant.splitting import split_source

    first = write_synthetic_corpus(tmp_path / "a", 120, ROOT / "corpus", seed=7)
    second = write_synthetic_corpus(tmp_path / "b", 120, ROOT / "corpus", seed=7)
    other = write_synthetic_corpus(tmp_path / "c", 120, ROOT / "corpus", seed=8)

    def texts(corpus):
        return [p.read_text(encoding="utf-8") for p in sorted(corpus.path.glob("*.txt"))]

    assert texts(first) == texts(second)
    assert texts(first) != texts(other)
    # The real loader and splitter cut the count the generator promised, and every file loads.
    scan = scan_corpus(first.path, 10**8)
    assert not scan.problems
    assert sum(len(split_source(s)) for s in scan.sources) == first.passages >= 120
    # Body words come from the shipped corpus: sampled synthetic words all appear in it.
    corpus_text = " ".join(p.read_text(encoding="utf-8").lower() for p in (ROOT / "corpus").glob("*.txt"))
    body = [line for line in texts(first)[0].splitlines() if len(line) > 60]
    sampled = random.Random(1).sample(" ".join(body).split(), 20)
    assert all(w.strip(".").lower() in corpus_text for w in sampled), sampled


def test_bench_report_reads_back_the_json_it_writes(tmp_path):
    """bench.json of a real `bench --quick` run: from_dict then to_dict gives it back, key for key and byte for byte."""
    from ldn_assistant.evaluation.bench_report import markdown, write_json
    from ldn_assistant.evaluation.bench_stats import Spread
    from ldn_assistant.evaluation.bench_types import BenchReport, ScaleRow

    path = ROOT / "tests" / "data" / "bench-quick.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    report = BenchReport.from_dict(written)
    assert report.to_dict() == written
    write_json(report, tmp_path / "bench.json")
    assert (tmp_path / "bench.json").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")

    # Typed all the way down: parts, rows and spreads are objects, read by attribute.
    assert isinstance(report.query.ask_ms, Spread) and report.query.ask_ms.median == written["query"]["ask_ms"]["median"]
    assert all(isinstance(row, ScaleRow) for row in report.scale) and report.scale[0].passages == written["scale"][0]["passages"]
    assert report.backends.rows["onnx"].spread.cold_ask_s.iqr == written["backends"]["rows"]["onnx"]["spread"]["cold_ask_s"]["iqr"]
    assert markdown(report).startswith("# ldn-assistant benchmark (quick)")

    with pytest.raises(ValueError, match="unknown key"):
        BenchReport.from_dict({**written, "typo": 1})


@pytest.mark.slow
def test_quick_bench_writes_complete_reports(tmp_path):
    from ldn_assistant.evaluation.bench import bench_command
    from ldn_assistant.evaluation.bench_types import BenchReport

    report_dir = tmp_path / "bench"
    result = CliRunner().invoke(
        bench_command,
        ["--quick", "--no-progress", "--report-dir", str(report_dir), "--corpus-dir", str(ROOT / "corpus"), "--evals", str(ROOT / "evals" / "core.jsonl")],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert (report_dir / "bench.md").read_text(encoding="utf-8").startswith("# ldn-assistant benchmark (quick)")
    for plot in ("comparisons.png", "scale.png", "backends.png"):
        assert (report_dir / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    written = json.loads((report_dir / "bench.json").read_text(encoding="utf-8"))
    report = BenchReport.from_dict(written)
    assert report.to_dict() == written
    for section, keys in REQUIRED.items():
        for key in keys:
            assert _positive(getattr(getattr(report, section), key)), (section, key)
    assert report.query.ask_ms.p25 <= report.query.ask_ms.median <= report.query.ask_ms.p75
    assert report.machine.cpu_count and report.machine.cpu_count >= 1
    assert report.machine.torch_threads and report.machine.torch_threads >= 1
    sizes = [row.passages for row in report.scale]
    assert len(sizes) == 2 and sizes[0] >= 500 and sizes[1] >= 2000
    for row in report.scale:
        for key in SCALE_KEYS:
            assert _positive(getattr(row, key)), (row, key)
    assert report.scale[1].index_mb > report.scale[0].index_mb  # four times the passages takes more room

    # The embedding backends, side by side in the same run, each with its eval metrics.
    backends = report.backends
    # The quick plan: the default backend against torch, its peer (the full and backends-only plans take all three).
    assert backends.default == "onnx" and backends.names == ("torch", "onnx")
    for name, backend in backends.rows.items():
        for key in BACKEND_KEYS:
            assert _positive(getattr(backend, key)), (name, key)
    assert backends.rows["torch"].ingest_ratio_to_torch_ingest == 1.0
    # The same vectors (within 4e-6) give the same retrieval, but each backend trains triage's network on its own
    # rows of the exemplar bank, and that training (non-convex, mini-batches) turns the tiny differences into logits
    # up to 0.15 apart: a borderline question may change status. Hence the bench's tolerance, not equality.
    assert set(backends.quality["onnx"]) == set(backends.quality["torch"])
    assert backends.rows["onnx"].quality_max_abs_difference_to_torch <= QUALITY_TOLERANCE
    assert set(backends.quality["onnx"]) == {"core"}
    assert report.cold_start.runs == 1
    assert "## Embedding backends" in (report_dir / "bench.md").read_text(encoding="utf-8")


def test_backends_only_plan_compares_backends_without_the_scale_series():
    from ldn_assistant.evaluation.bench import BenchPlan, bench_command

    plan = BenchPlan.backends_only()
    assert plan.scale_sizes == () and plan.mode == "backends"
    every = ("torch", "onnx", "onnx-int8")
    assert plan.backends_of(every, "onnx") == every == BenchPlan.full().backends_of(every, "onnx")
    # The quick plan keeps the default backend even when it is not one of the two it compares.
    assert BenchPlan.quick().backends_of(every, "onnx-int8") == every
    assert BenchPlan.quick().backends_of(("torch",), "torch") == ("torch",)
    assert plan.steps(87, backends=3) == 1 + 87 + (3 + 2 * 2) * 2 + (3 + 2) * 3 + 3  # what the measured run counted: 120
    result = CliRunner().invoke(bench_command, ["--quick", "--backends-only"])
    assert result.exit_code == 2 and "not both" in result.output
