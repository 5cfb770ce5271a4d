"""The embedding backends side by side: torch, onnx and onnx-int8 in one run, as ratios to torch.

The timings themselves are taken by the other bench steps, which give each backend its turn beside the
default one (bench_ingest, bench_query, bench_cold); this module builds the backends' assistants, runs the
eval suites through each, and gathers the comparison for the report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bench_stats import ratio
from .bench_types import BackendRow, BackendSpreads, BackendTargets, BenchBackends

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..settings import Settings

BACKENDS = ("torch", "onnx", "onnx-int8")
INGEST_TARGET = 2.0  # default backend's ingest rate over the PyTorch encoder's, at least
COLD_TARGET = 0.35  # cold `ldn-assistant ask` over `python -c "import sentence_transformers"`, at most
QUALITY_TOLERANCE = 0.01  # largest |difference| from torch in any eval metric of any suite
QUALITY_METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "status_accuracy", "disclaimer_rate", "verbatim_rate")


def backends_for(settings: Settings) -> tuple[str, ...]:
    """Every backend for the bundled model; another model runs on torch only."""
    from ..settings import BUNDLED_MODEL

    return BACKENDS if settings.embedding_model == BUNDLED_MODEL else ("torch",)


def build_assistants(settings: Settings, backends: list[str], workdir: Path) -> dict[str, Assistant]:
    """An Assistant per backend over the same corpus, each with an index it built itself."""
    from ..assistant import Assistant
    from ..embeddings import make_embedder

    built = {}
    for name in backends:
        own = settings.model_copy(update={"embedding_backend": name, "index_dir": workdir / f"index-{name}"})
        shutil.rmtree(own.index_dir, ignore_errors=True)
        assistant = Assistant(own, embedder=make_embedder(own))
        assistant.ingest()
        built[name] = assistant
    return built


def evaluate(
    assistants: dict[str, Assistant], suite_files: list[Path], step: Callable[[], None] = lambda: None, triage_dir: Path | None = None
) -> dict[str, Any]:
    """The product (ldn-assistant) on every suite, per backend: {backend: {suite: {metric: value}}}; with
    triage_dir, the emergency triage too (its layered detector reads the question's embedding), as
    `triage-<set>` for each set of triage_eval.HALVES, with recall and false-alarm rate."""
    from .runner import run_eval
    from .suites import load_suites

    suites = load_suites(suite_files)
    quality: dict[str, Any] = {}
    for name, assistant in assistants.items():
        run = run_eval(suites, assistant, ("ldn-assistant",))
        quality[name] = {
            suite: {k: v for k, v in by_system["ldn-assistant"].to_dict().items() if k in QUALITY_METRICS} for suite, by_system in run.per_suite().items()
        }
        if triage_dir is not None and Path(triage_dir).is_dir():
            from .triage_eval import LAYERED, run_triage

            for half, systems in run_triage(assistant, Path(triage_dir)).halves.items():
                layered = systems[LAYERED]
                quality[name][f"triage-{half}"] = {"recall": layered.recall, "false_alarm_rate": layered.false_alarm_rate}
        step()
    return quality


def _max_difference(quality: dict[str, Any], name: str, reference: str = "torch") -> float | None:
    if reference not in quality or name not in quality:
        return None
    diffs = [abs((value or 0.0) - (quality[reference][suite].get(k) or 0.0)) for suite, metrics in quality[name].items() for k, value in metrics.items()]
    return max(diffs, default=0.0)


def summarize(default: str, backends: tuple[str, ...], ingest: Any, query: Any, cold: Any, quality: dict[str, Any]) -> BenchBackends:
    """The backends section of bench.json: one row per backend, each figure with its ratio to torch."""

    def ingest_spreads(name: str) -> dict[str, Any]:
        return {"ingest_s": ingest.ingest_s, "encode_s": ingest.encode_s} if name == default else ingest.others[name]

    def cold_spread(name: str) -> Any:
        return cold.cli_ask_s if name == default else cold.backends[name]

    def ask_spread(name: str) -> Any:
        return query.ask_ms if name == default else query.extra_ms[f"ask:{name}"]

    passages = ingest.passages
    torch_ingest = passages / ingest_spreads("torch")["ingest_s"].median if "torch" in backends else float("nan")
    torch_encoder = passages / ingest_spreads("torch")["encode_s"].median if "torch" in backends else float("nan")
    torch_embed = query.extra_ms["embed:torch"].median if "torch" in backends else float("nan")
    torch_ask = ask_spread("torch").median if "torch" in backends else float("nan")
    import_st = cold.import_st_s.median
    rows = {}
    for name in backends:
        spreads = ingest_spreads(name)
        rate = passages / spreads["ingest_s"].median
        embed, ask, cold_s = query.extra_ms[f"embed:{name}"], ask_spread(name), cold_spread(name)
        rows[name] = BackendRow(
            ingest_passages_per_s=round(rate, 2),
            encoder_passages_per_s=round(passages / spreads["encode_s"].median, 2),
            ingest_ratio_to_torch_ingest=round(ratio(rate, torch_ingest), 4),
            ingest_ratio_to_torch_encoder=round(ratio(rate, torch_encoder), 4),
            embed_query_p50_ms=round(embed.median, 3),
            embed_query_p95_ms=round(embed.p95, 3),
            embed_query_ratio_to_torch=round(ratio(embed.median, torch_embed), 4),
            ask_p50_ms=round(ask.median, 3),
            ask_p95_ms=round(ask.p95, 3),
            ask_ratio_to_torch=round(ratio(ask.median, torch_ask), 4),
            cold_ask_s=round(cold_s.median, 3),
            cold_ratio_to_import_sentence_transformers=round(ratio(cold_s.median, import_st), 4),
            quality_max_abs_difference_to_torch=_max_difference(quality, name),
            spread=BackendSpreads(
                ingest_s=spreads["ingest_s"],
                encode_s=spreads["encode_s"],
                embed_query_ms=embed,
                ask_ms=ask,
                cold_ask_s=cold_s,
            ),
        )
    return BenchBackends(
        default=default,
        names=tuple(backends),
        passages=passages,
        import_sentence_transformers_s=round(import_st, 3),
        import_sentence_transformers=cold.import_st_s,
        targets=BackendTargets(
            ingest_ratio_to_torch_encoder=INGEST_TARGET,
            cold_ratio_to_import_sentence_transformers=COLD_TARGET,
            quality_max_abs_difference_to_torch=QUALITY_TOLERANCE,
        ),
        rows=rows,
        quality=quality,
    )
