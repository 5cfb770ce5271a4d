"""PNG plots of a report: hit@k curves per system, and per-category results as grouped bars."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pyplot() -> Any:  # matplotlib.pyplot, imported on first use
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    return plt


def plot_hit_curves(data: dict[str, Any], path: Path) -> Path:
    """hit@k for k = 1..10, one line per system."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, curve in data["hit_at_k"].items():
        if curve:
            ax.plot(range(1, len(curve) + 1), curve, marker="o", label=name)
    top_k = data["settings"].get("top_k")
    if isinstance(top_k, int):
        ax.axvline(top_k, color="grey", linestyle=":", linewidth=1)
        ax.text(top_k + 0.1, 0.03, f"passages shown (top_k={top_k})", color="grey", fontsize=8)
    ax.set(xlabel="k", ylabel="hit@k (answerable cases)", ylim=(0, 1.02), xticks=range(1, 11))
    ax.set_title(f"Evidence in the top k ({data['n_answerable']} answerable cases)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_categories(data: dict[str, Any], path: Path) -> Path:
    """Grouped bars per category: hit@3 for answerable categories, status accuracy for all."""
    import numpy as np

    plt = _pyplot()
    systems = list(data["systems"])
    categories = list(data["categories"])
    answerable = [c for c in categories if data["per_category"][systems[0]][c]["n_answerable"]]
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 1.1 * len(categories)), 8))
    width = 0.8 / max(len(systems), 1)
    for ax, metric, cats in ((axes[0], "hit@3", answerable), (axes[1], "status_accuracy", categories)):
        x = np.arange(len(cats))
        for i, name in enumerate(systems):
            values = [data["per_category"][name][c][metric] or 0.0 for c in cats]
            ax.bar(x + (i - (len(systems) - 1) / 2) * width, values, width, label=name)
        ax.set_xticks(x, [f"{c}\n({data['categories'][c]})" for c in cats], fontsize=8)
        ax.set(ylabel=metric, ylim=(0, 1.05))
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("Per category: evidence in the top 3 (answerable categories)")
    axes[1].set_title("Per category: status accuracy")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, ncols=len(systems), loc="upper center")
    fig.tight_layout(rect=(0, 0, 1, 0.96))  # leave the top strip to the legend
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_plots(data: dict[str, Any], folder: Path) -> tuple[Path, ...]:
    """Both plots into the folder; returns their paths."""
    paths = [plot_hit_curves(data, folder / "hit_at_k.png")]
    if data["systems"] and data["categories"]:
        paths.append(plot_categories(data, folder / "categories.png"))
    return tuple(paths)
