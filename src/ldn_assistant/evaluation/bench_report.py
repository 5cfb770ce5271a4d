"""Write the benchmark's results: bench.json (figures and spread), bench.md (tables), PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INGEST_TARGET = 0.85  # ingest passages/s over raw encoder passages/s, at least
QUERY_TARGET = 1.3  # warm ask() p50 over the floor's p50, at most


def write_json(report: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "misses target"


def _spread(s: dict[str, float], unit: str, digits: int = 1) -> str:
    return f"{s['median']:.{digits}f} {unit} (p25–p75 {s['p25']:.{digits}f}–{s['p75']:.{digits}f}, n={s['n']})"


def markdown(report: dict[str, Any]) -> str:
    """The human-readable report: headline ratios with their targets, then the spread, the scale table, the machine."""
    ing, q, cold, m = report["ingest"], report["query"], report["cold_start"], report["machine"]
    lines = [
        f"# ldn-assistant benchmark ({report['mode']})",
        "",
        f"Command: `{report['command']}`  ",
        f"Run: {report['started']}, {report['seconds']:.0f} s. Machine: {m['cpu_count']} CPUs ({m.get('cpu_model') or 'unknown'}), "
        f"torch {m.get('torch')} with {m['torch_threads']} threads, load average {m.get('load_average_1m')} at the start "
        f"and {report.get('load_average_end')} at the end.",
        "",
        "Every comparison was made in this run, interleaved (the order rotating), so machine noise hits both sides.",
        "",
        "| Measure | Ours | Reference | Ratio | Target |",
        "|---|---|---|---|---|",
        f"| Ingest, passages/s ({ing['passages']} passages) | {ing['passages_per_s']:.1f} | raw encoder {ing['encoder_passages_per_s']:.1f} "
        f"| {ing['ratio']:.2f} | ≥ {INGEST_TARGET} ({_verdict(ing['ratio'] >= INGEST_TARGET)}) |",
        f"| Ingest vs encoding exactly the {ing['embedded_texts']} texts it embeds | {ing['passages_per_s']:.1f} passages/s "
        f"| {ing['encoder_units_per_s']:.1f} texts/s | {ing['ratio_to_units_encoder']:.2f} | (pipeline overhead) |",
        f"| Warm `ask()` p50 / p95, ms | {q['ask_p50_ms']:.1f} / {q['ask_p95_ms']:.1f} | floor p50 {q['floor_p50_ms']:.1f} "
        f"| {q['ratio_to_floor']:.2f} | ≤ {QUERY_TARGET} ({_verdict(q['ratio_to_floor'] <= QUERY_TARGET)}) |",
        f"| Warm `ask()` p50 vs naive LangChain, ms | {q['ask_p50_ms']:.1f} | naive p50 {q['naive_langchain_p50_ms']:.1f} "
        f"| {q['ratio_to_naive']:.2f} | (reference) |",
        f"| Cold `ldn-assistant ask`, s | {cold['cli_ask_s']:.2f} | load model {cold['floor_s']:.2f} | {cold['ratio']:.2f} | (reference) |",
        "",
        "## Spread",
        "",
        f"- Full ingest: {_spread(ing['ingest_s'], 's', 2)}; raw encode of the same passages: {_spread(ing['encode_s'], 's', 2)}; "
        f"of the ingest's own texts: {_spread(ing['encode_units_s'], 's', 2)}; "
        f"per-run ratio median {ing['ratio_paired']['median']:.2f} (p25–p75 {ing['ratio_paired']['p25']:.2f}–{ing['ratio_paired']['p75']:.2f}).",
        f"- `ask()`: {_spread(q['ask_ms'], 'ms')}; floor: {_spread(q['floor_ms'], 'ms')}; naive: {_spread(q['naive_ms'], 'ms')}; "
        f"per-question ratio to floor median {q['ratio_to_floor_paired']['median']:.2f} "
        f"(p25–p75 {q['ratio_to_floor_paired']['p25']:.2f}–{q['ratio_to_floor_paired']['p75']:.2f}).",
        f"- Cold CLI: {_spread(cold['cli_ask'], 's', 2)}; model-load floor: {_spread(cold['floor'], 's', 2)}.",
        "",
        "## Scale (synthetic corpora from the corpus' own word bigrams, seeded)",
        "",
        "| Passages | Ingest s | Passages/s | Encoder/s (sample) | Open s | ask p50 ms | ask p95 ms | floor p50 ms | Index MB | Peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["scale"]:
        lines.append(
            f"| {r['passages']:,} | {r['ingest_s']:.1f} | {r['passages_per_s']:.1f} | {r['encoder_passages_per_s'] or float('nan'):.1f} "
            f"| {r['open_s']:.2f} | {r['query_p50_ms']:.1f} | {r['query_p95_ms']:.1f} | {r['floor_p50_ms']:.1f} "
            f"| {r['index_mb']:.1f} | {r['peak_rss_mb']:.0f} |"
        )
    lines += ["", *[f"![{name}]({name})" for name in report["plots"]], ""]
    return "\n".join(lines)


def plot(report: dict[str, Any], samples: dict[str, dict[str, list[float]]], report_dir: Path) -> list[str]:
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
    axes[1].boxplot([ingest["ingest"], ingest["encode"], ingest["encode_units"]],
                    tick_labels=["full\ningest", "encode\npassages", "encode its\ntexts"])
    axes[1].set_ylabel(f"seconds for {report['ingest']['passages']} passages")
    axes[1].set_title("Ingest")
    axes[2].boxplot([samples["cold"]["cli"], samples["cold"]["floor"]], tick_labels=["ldn-assistant ask", "load model"])
    axes[2].set_ylabel("seconds, fresh process")
    axes[2].set_title("Cold start")
    fig.tight_layout()
    fig.savefig(report_dir / "comparisons.png", dpi=110)
    plt.close(fig)
    names.append("comparisons.png")

    rows = report["scale"]
    if rows:
        x = [r["passages"] for r in rows]
        fig, axes = plt.subplots(2, 2, figsize=(11, 8))
        panels = [
            (axes[0][0], [("ingest_s", "ingest")], "ingest, s"),
            (axes[0][1], [("query_p50_ms", "ask p50"), ("query_p95_ms", "ask p95"), ("floor_p50_ms", "floor p50")], "query, ms"),
            (axes[1][0], [("index_mb", "index on disk")], "MB"),
            (axes[1][1], [("peak_rss_mb", "peak RSS")], "MB"),
        ]
        for ax, series, label in panels:
            for key, name in series:
                ax.plot(x, [r[key] for r in rows], marker="o", label=name)
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
