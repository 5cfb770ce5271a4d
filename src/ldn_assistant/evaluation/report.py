"""Write a finished run as report.json, report.md and PNG plots in one folder."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .metrics import SystemMetrics
from .runner import PASS_K, CaseResult, EvalRun
from .significance import wilson_interval
from .systems import PRODUCT
from .thresholds import Threshold, ThresholdMiss

if TYPE_CHECKING:
    from .triage_eval import TriageReport

PREVIEW_CHARS = 200
MD_COLUMNS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr@10",
    "ndcg@10",
    "status_accuracy",
    "abstention_precision",
    "abstention_recall",
    "disclaimer_rate",
    "verbatim_rate",
    "citation_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
CATEGORY_COLUMNS = ("n_cases", "hit@1", "hit@3", "mrr@10", "status_accuracy")
# The product's proportions given with a 95% interval: a suite of 40-130 questions moves 1-3 points per question.
INTERVAL_METRICS = ("hit@1", "hit@3", "status_accuracy")


@dataclass(frozen=True)
class WrittenReport:
    json: Path
    markdown: Path
    plots: tuple[Path, ...]


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def _case_result(result: CaseResult, passages: int) -> dict[str, Any]:
    return {
        "status": result.outcome.status,
        "passed": result.passed,
        "first_hit_rank": result.first_hit_rank,
        "latency_ms": round(result.outcome.latency_ms, 2),
        "passages": [
            {"rank": i, "source_id": p.source_id, "start": p.start, "end": p.end, "relevant": rel, "text": _preview(p.text)}
            for i, (p, rel) in enumerate(zip(result.answer.passages[:passages], result.outcome.relevant, strict=False), start=1)
        ],
    }


def _intervals(metrics: SystemMetrics) -> dict[str, list[float] | None]:
    """Wilson 95% intervals of INTERVAL_METRICS ([low, high]; None where the metric has no cases)."""
    out: dict[str, list[float] | None] = {}
    for name in INTERVAL_METRICS:
        rate, n = metrics.get(name), metrics.n_answerable if name.startswith("hit@") else metrics.n_cases
        interval = wilson_interval(round(float(rate) * n), n) if rate is not None and n else None
        out[name] = [interval.low, interval.high] if interval else None
    return out


def report_data(run: EvalRun, thresholds: Sequence[Threshold] = (), misses: Sequence[ThresholdMiss] = ()) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    metrics = run.metrics()
    missed = {str(m.threshold) for m in misses}
    cases = []
    for i, case in enumerate(run.cases):
        cases.append(
            {
                "id": case.id,
                "suite": case.suite,
                "question": case.user_input,
                "category": case.category,
                "expected": {"status": case.expected_status, "evidence": list(case.reference_contexts), "sources": list(case.reference_sources)},
                # The product's answer in full; the others' top 3, which is enough to see why they differ.
                "got": {name: _case_result(run.results[name][i], 10 if name == PRODUCT else PASS_K) for name in run.systems},
            }
        )
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "suites": [{"name": s.name, "path": str(s.path), "n_cases": len(s.cases)} for s in run.suites],
        "n_cases": len(run.cases),
        "n_answerable": sum(c.answerable for c in run.cases),
        "categories": run.categories(),
        "settings": {k: v for k, v in run.info.items() if k != "descriptions"},
        "system_descriptions": run.info.get("descriptions", {}),
        "seconds": round(run.seconds, 2),
        "pass_rule": f"status matches and, for answerable cases, an evidence passage in the top {PASS_K}",
        "systems": {name: m.to_dict() for name, m in metrics.items()},
        "per_category": {name: {cat: m.to_dict() for cat, m in cats.items()} for name, cats in run.per_category().items()},
        "per_suite": {suite: {name: m.to_dict() for name, m in ms.items()} for suite, ms in run.per_suite().items()},
        "hit_at_k": run.hit_curves(),
        # The product's, over all cases and per suite: how far each figure could move on another set of questions.
        "intervals": {"overall": _intervals(metrics[PRODUCT]), "per_suite": {suite: _intervals(ms[PRODUCT]) for suite, ms in run.per_suite().items()}}
        if PRODUCT in metrics
        else {},
        "thresholds": [{"threshold": str(t), "value": metrics[t.system].get(t.metric), "passed": str(t) not in missed} for t in thresholds],
        "cases": cases,
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(v) if not isinstance(v, str) else v for v in row) + " |" for row in rows]
    return lines + [""]


def _metrics_table(metrics: dict[str, SystemMetrics]) -> list[str]:
    return _table(["system", *MD_COLUMNS], [[name, *(m.get(c) for c in MD_COLUMNS)] for name, m in metrics.items()])


def _quote(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _failure(case_entry: dict[str, Any]) -> list[str]:
    got = case_entry["got"][PRODUCT]
    exp = case_entry["expected"]
    lines = [f"### {case_entry['id']} ({case_entry['category']}, {case_entry['suite']})", "", f"**Question:** {_quote(case_entry['question'])}", ""]
    lines.append(f"**Expected:** `{exp['status']}`" + (f", evidence from {', '.join(exp['sources'])}:" if exp["evidence"] else ""))
    lines += [f"- “{_quote(e)}”" for e in exp["evidence"]]
    rank = got["first_hit_rank"]
    no_evidence = ", no evidence in the passages" if exp["evidence"] and got["passages"] else ""
    lines += ["", f"**Got:** `{got['status']}`" + (f", first evidence at rank {rank}" if rank else no_evidence)]
    lines += [f"{p['rank']}. `{p['source_id']}` [{p['start']}:{p['end']}] {'✓ ' if p['relevant'] else ''}{_quote(p['text'])}" for p in got["passages"]]
    return lines + [""]


def _interval_line(intervals: dict[str, list[float] | None] | None) -> list[str]:
    if not intervals:
        return []
    parts = [f"{name} {bounds[0]:.3f}-{bounds[1]:.3f}" for name, bounds in intervals.items() if bounds]
    return [f"{PRODUCT}, 95% intervals (Wilson): {', '.join(parts)}. `ldn-assistant compare` tests a change between two runs.", ""]


def report_markdown(data: dict[str, Any], plots: Sequence[Path] = ()) -> str:
    """The human report: tables per system, per suite and per category, then every product failure."""
    systems = list(data["systems"])
    out = [
        "# Evaluation report",
        "",
        f"{data['n_cases']} cases ({data['n_answerable']} answerable) from "
        + ", ".join(f"`{s['name']}` ({s['n_cases']})" for s in data["suites"])
        + f"; {len(systems)} systems; {data['seconds']} s. Created {data['created']}.",
        "",
        f"Settings: {', '.join(f'{k} = {v}' for k, v in data['settings'].items())}.",
        "",
    ]
    out += ["## Systems", ""] + [f"- **{n}**: {d}" for n, d in data["system_descriptions"].items()] + [""]
    out += [
        "Ranking metrics (hit@k, mrr@10, ndcg@10) are over answerable cases; a passage is relevant when it contains one of the "
        "case's evidence strings. A system that does not answer shows no passages. Latency is per question, in ms.",
        "",
        "## All cases",
        "",
    ]
    out += _table(["system", *MD_COLUMNS], [[n, *(data["systems"][n][c] for c in MD_COLUMNS)] for n in systems])
    intervals = data.get("intervals", {})  # absent from reports written before 2026-12-04
    out += _interval_line(intervals.get("overall"))
    if len(data["per_suite"]) > 1:
        for suite, per in data["per_suite"].items():
            out += [f"## Suite `{suite}`", ""]
            out += _table(["system", *MD_COLUMNS], [[n, *(per[n][c] for c in MD_COLUMNS)] for n in systems])
            out += _interval_line(intervals.get("per_suite", {}).get(suite))
    if data["thresholds"]:
        out += ["## Thresholds", ""]
        out += _table(["threshold", "value", "result"], [[t["threshold"], t["value"], "met" if t["passed"] else "**MISSED**"] for t in data["thresholds"]])
    out += ["## Per category", ""]
    for metric in ("hit@3", "mrr@10", "status_accuracy"):
        cats = list(data["categories"])
        out += [f"### {metric}", ""]
        out += _table(["category", "cases", *systems], [[c, data["categories"][c], *(data["per_category"][n][c][metric] for n in systems)] for c in cats])
    if PRODUCT in data["per_category"]:
        out += [f"### {PRODUCT}, every metric", ""]
        out += _table(["category", *MD_COLUMNS], [[c, *(data["per_category"][PRODUCT][c][m] for m in MD_COLUMNS)] for c in data["categories"]])
    for plot in plots:
        out += [f"![{plot.stem}]({plot.name})", ""]
    if "triage" in data:
        from .triage_eval import TUNING_NOTE, triage_markdown

        out += ["## Emergency triage (evals/triage/)", "", TUNING_NOTE, ""]
        out += triage_markdown(data["triage"])
    if PRODUCT in systems:
        failures = [c for c in data["cases"] if not c["got"][PRODUCT]["passed"]]
        out += [f"## Failures of {PRODUCT} ({len(failures)} of {data['n_cases']})", "", f"Pass rule: {data['pass_rule']}.", ""]
        for case_entry in failures:
            out += _failure(case_entry)
    return "\n".join(out).rstrip() + "\n"


def write_report(
    run: EvalRun,
    report_dir: str | Path,
    thresholds: Sequence[Threshold] = (),
    misses: Sequence[ThresholdMiss] = (),
    plots: bool = True,
    triage: TriageReport | None = None,
) -> WrittenReport:
    """Write report.json, report.md and (unless plots=False) the PNG plots; returns their paths."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    data = report_data(run, thresholds, misses)
    if triage is not None:
        data["triage"] = triage.to_dict()
    images: tuple[Path, ...] = ()
    if plots:
        from .plots import write_plots

        images = write_plots(data, report_dir)
    json_path = report_dir / "report.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path = report_dir / "report.md"
    md_path.write_text(report_markdown(data, images), encoding="utf-8")
    return WrittenReport(json_path, md_path, images)
