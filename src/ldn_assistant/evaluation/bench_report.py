"""Write the benchmark's results: bench.json (figures and spread), bench.md (tables), PNG plots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bench_stats import Spread
    from .bench_types import BackendRow, BenchReport, ScaleRow

INGEST_TARGET = 0.85  # ingest passages/s over raw encoder passages/s, at least
QUERY_TARGET = 1.2  # warm ask() p50 over the floor's p50, at most (issues 10 and 15)


def write_json(report: BenchReport, path: Path) -> None:
    path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "misses target"


def _spread(s: Spread, unit: str, digits: int = 1) -> str:
    return f"{s.median:.{digits}f} {unit} (p25–p75 {s.p25:.{digits}f}–{s.p75:.{digits}f}, n={s.n})"


def markdown(report: BenchReport) -> str:
    """The human-readable report: headline ratios with their targets, then the spread, the scale table, the machine."""
    ing, q, cold, m = report.ingest, report.query, report.cold_start, report.machine
    lines = [
        f"# ldn-assistant benchmark ({report.mode})",
        "",
        f"Command: `{report.command}`  ",
        f"Run: {report.started}, {report.seconds:.0f} s. Machine: {m.cpu_count} CPUs ({m.cpu_model or 'unknown'}), "
        f"torch {m.torch} with {m.torch_threads} threads, onnxruntime {m.onnxruntime}, "
        f"embedding backend `{ing.backend}` for the rows below, load average {m.load_average_1m} at the start "
        f"and {report.load_average_end} at the end.",
        "",
        "Every comparison was made in this run, interleaved (the order rotating), so machine noise hits both sides.",
        "",
        "| Measure | Ours | Reference | Ratio | Target |",
        "|---|---|---|---|---|",
        f"| Ingest, passages/s ({ing.passages} passages) | {ing.passages_per_s:.1f} | raw encoder {ing.encoder_passages_per_s:.1f} "
        f"| {ing.ratio:.2f} | ≥ {INGEST_TARGET} ({_verdict(ing.ratio >= INGEST_TARGET)}) |",
        f"| Ingest vs encoding exactly the {ing.embedded_texts} texts it embeds | {ing.passages_per_s:.1f} passages/s "
        f"| {ing.encoder_units_per_s:.1f} texts/s | {ing.ratio_to_units_encoder:.2f} | (pipeline overhead) |",
        f"| Warm `ask()` p50 / p95, ms | {q.ask_p50_ms:.1f} / {q.ask_p95_ms:.1f} | floor p50 {q.floor_p50_ms:.1f} "
        f"| {q.ratio_to_floor:.2f} | ≤ {QUERY_TARGET} ({_verdict(q.ratio_to_floor <= QUERY_TARGET)}) |",
        f"| Warm `ask()` p50 vs naive LangChain, ms | {q.ask_p50_ms:.1f} | naive p50 {q.naive_langchain_p50_ms:.1f} | {q.ratio_to_naive:.2f} | (reference) |",
        f"| Cold `ldn-assistant ask`, s | {cold.cli_ask_s:.2f} | load model {cold.floor_s:.2f} | {cold.ratio:.2f} | (reference) |",
        *_cold_import_row(report),
        "",
        *backends_markdown(report),
        "## Spread",
        "",
        f"- Full ingest: {_spread(ing.ingest_s, 's', 2)}; raw encode of the same passages: {_spread(ing.encode_s, 's', 2)}; "
        f"of the ingest's own texts: {_spread(ing.encode_units_s, 's', 2)}; "
        f"per-run ratio median {ing.ratio_paired.median:.2f} (p25–p75 {ing.ratio_paired.p25:.2f}–{ing.ratio_paired.p75:.2f}).",
        f"- `ask()`: {_spread(q.ask_ms, 'ms')}; floor: {_spread(q.floor_ms, 'ms')}; naive: {_spread(q.naive_ms, 'ms')}; "
        f"per-question ratio to floor median {q.ratio_to_floor_paired.median:.2f} "
        f"(p25–p75 {q.ratio_to_floor_paired.p25:.2f}–{q.ratio_to_floor_paired.p75:.2f}).",
        f"- Cold CLI: {_spread(cold.cli_ask, 's', 2)}; model-load floor: {_spread(cold.floor, 's', 2)}.",
        "",
        "## Scale (synthetic corpora from the corpus' own word bigrams, seeded)",
        "",
        "| Passages | Ingest s | Passages/s | Encoder/s (sample) | Open s | ask p50 ms | ask p95 ms | floor p50 ms | Index MB | Peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.scale:
        lines.append(
            f"| {r.passages:,} | {r.ingest_s:.1f} | {r.passages_per_s:.1f} | {r.encoder_passages_per_s or float('nan'):.1f} "
            f"| {r.open_s:.2f} | {r.query_p50_ms:.1f} | {r.query_p95_ms:.1f} | {r.floor_p50_ms:.1f} "
            f"| {r.index_mb:.1f} | {r.peak_rss_mb:.0f} |"
        )
    lines += ["", *[f"![{name}]({name})" for name in report.plots], ""]
    return "\n".join(lines)


def _cold_import_row(report: BenchReport) -> list[str]:
    cold = report.cold_start
    return [
        f"| Cold `ldn-assistant ask`, s | {cold.cli_ask_s:.2f} | `import sentence_transformers` {cold.import_sentence_transformers_s:.2f} "
        f"| {cold.ratio_to_import_sentence_transformers:.2f} | (see backends) |"
    ]


def _x(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


def backends_markdown(report: BenchReport) -> list[str]:
    """The embedding backends side by side (torch, onnx, onnx-int8), each figure with its ratio to torch."""
    b = report.backends
    targets, rows, default = b.targets, b.rows, b.default
    lines = [
        "## Embedding backends",
        "",
        f"Same run, same turns. Ingest: {b.passages} synthetic passages into a fresh index; `embed_query` and warm `ask()`: "
        f'the benchmark questions; cold: a fresh `ldn-assistant ask` against a fresh `python -c "import sentence_transformers"` '
        f"({b.import_sentence_transformers_s:.2f} s); eval: the largest |difference| from torch in any metric of any suite. "
        f"Default backend: `{default}`.",
        "",
        "| Backend | Ingest passages/s | x torch ingest | x torch encoder | `embed_query` p50 ms | x torch | warm `ask()` p50 ms "
        "| x torch | cold `ask` s | x import s-t | eval max abs diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        label = f"**{name}** (default)" if name == default else name
        lines.append(
            f"| {label} | {r.ingest_passages_per_s:.1f} | {_x(r.ingest_ratio_to_torch_ingest)} | {_x(r.ingest_ratio_to_torch_encoder)} "
            f"| {r.embed_query_p50_ms:.1f} | {_x(r.embed_query_ratio_to_torch)} | {r.ask_p50_ms:.1f} | {_x(r.ask_ratio_to_torch)} "
            f"| {r.cold_ask_s:.2f} | {_x(r.cold_ratio_to_import_sentence_transformers)} | {_x(r.quality_max_abs_difference_to_torch, 3)} |"
        )
    d = rows.get(default)
    ingest_vs_encoder, ingest_vs_ingest, cold_vs_import, quality_diff = (
        (d.ingest_ratio_to_torch_encoder, d.ingest_ratio_to_torch_ingest, d.cold_ratio_to_import_sentence_transformers, d.quality_max_abs_difference_to_torch)
        if d is not None
        else (None, None, None, None)
    )
    checks = [
        ("ingest rate over the PyTorch encoder's", ingest_vs_encoder, ">=", targets.ingest_ratio_to_torch_encoder),
        ("ingest rate over torch's full ingest", ingest_vs_ingest, ">=", targets.ingest_ratio_to_torch_encoder),
        ("cold ask over importing sentence-transformers", cold_vs_import, "<=", targets.cold_ratio_to_import_sentence_transformers),
        ("eval, max abs difference from torch", quality_diff, "<=", targets.quality_max_abs_difference_to_torch),
    ]
    lines += ["", f"Targets for the default backend (`{default}`):", ""]
    for label, value, op, target in checks:
        ok = value is not None and value == value and (value >= target if op == ">=" else value <= target)
        lines.append(f"- {label}: {_x(value, 3)} (target {op.replace('>=', '≥').replace('<=', '≤')} {target}: {_verdict(ok)})")
    quality = b.quality
    if quality:
        suites = list(next(iter(quality.values())))
        lines += [
            "",
            "Eval, ldn-assistant per backend (hit@1 / hit@3 / MRR@10 / status accuracy; triage: recall / false-alarm rate):",
            "",
            "| Suite | " + " | ".join(quality) + " |",
            "|---|" + "---|" * len(quality),
        ]
        for suite in suites:
            cells = [
                f"{q[suite]['recall']:.3f} / {q[suite]['false_alarm_rate']:.3f}"
                if "recall" in q[suite]
                else f"{q[suite]['hit@1']:.3f} / {q[suite]['hit@3']:.3f} / {q[suite]['mrr@10']:.3f} / {q[suite]['status_accuracy']:.3f}"
                for q in quality.values()
            ]
            lines.append(f"| {suite} | " + " | ".join(cells) + " |")
    return lines + [""]


def plot(report: BenchReport, samples: dict[str, dict[str, list[float]]], report_dir: Path) -> list[str]:
    """PNG plots beside the report; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    q = samples["query"]
    axes[0].boxplot([q["ask"], q["floor"], q["naive"]], tick_labels=["ask()", "floor", "naive\nLangChain"], showfliers=False)
    axes[0].set_ylabel("ms per question (warm)")
    axes[0].set_title("Query latency")
    ingest = samples["ingest"]
    axes[1].boxplot([ingest["ingest"], ingest["encode"], ingest["encode_units"]], tick_labels=["full\ningest", "encode\npassages", "encode its\ntexts"])
    axes[1].set_ylabel(f"seconds for {report.ingest.passages} passages")
    axes[1].set_title("Ingest")
    axes[2].boxplot([samples["cold"]["cli"], samples["cold"]["floor"]], tick_labels=["ldn-assistant ask", "load model"])
    axes[2].set_ylabel("seconds, fresh process")
    axes[2].set_title("Cold start")
    fig.tight_layout()
    fig.savefig(report_dir / "comparisons.png", dpi=110)
    plt.close(fig)
    names.append("comparisons.png")

    backends = report.backends
    if backends.rows:
        labels = list(backends.names)
        fig, axes = plt.subplots(1, 4, figsize=(15, 3.8))
        panels: list[tuple[Callable[[BackendRow], float], str]] = [
            (lambda r: r.ingest_passages_per_s, "ingest, passages/s"),
            (lambda r: r.embed_query_p50_ms, "embed_query p50, ms"),
            (lambda r: r.ask_p50_ms, "warm ask() p50, ms"),
            (lambda r: r.cold_ask_s, "cold ldn-assistant ask, s"),
        ]
        for ax, (figure, label) in zip(axes, panels, strict=True):
            ax.bar(labels, [figure(backends.rows[n]) for n in labels], color=["#888888", "#3b7dd8", "#7fb3ff"][: len(labels)])
            ax.set_title(label)
        axes[3].axhline(backends.import_sentence_transformers_s, color="black", linestyle="--", label="import sentence_transformers")
        axes[3].legend(fontsize=8)
        fig.suptitle("Embedding backends, one run")
        fig.tight_layout()
        fig.savefig(report_dir / "backends.png", dpi=110)
        plt.close(fig)
        names.append("backends.png")

    rows = report.scale
    if rows:
        x = [r.passages for r in rows]
        fig, axes = plt.subplots(2, 2, figsize=(11, 8))
        scale_panels: list[tuple[Any, list[tuple[Callable[[ScaleRow], float], str]], str]] = [
            (axes[0][0], [(lambda r: r.ingest_s, "ingest")], "ingest, s"),
            (axes[0][1], [(lambda r: r.query_p50_ms, "ask p50"), (lambda r: r.query_p95_ms, "ask p95"), (lambda r: r.floor_p50_ms, "floor p50")], "query, ms"),
            (axes[1][0], [(lambda r: r.index_mb, "index on disk")], "MB"),
            (axes[1][1], [(lambda r: r.peak_rss_mb, "peak RSS")], "MB"),
        ]
        for ax, series, label in scale_panels:
            for value_of, name in series:
                ax.plot(x, [value_of(r) for r in rows], marker="o", label=name)
            ax.set_xscale("log")
            ax.set_xlabel("passages")
            ax.set_ylabel(label)
            ax.legend()
            ax.grid(alpha=0.3)
        fig.suptitle("Scale: synthetic corpora")
        fig.tight_layout()
        fig.savefig(report_dir / "scale.png", dpi=110)
        plt.close(fig)
        names.append("scale.png")
    return names
