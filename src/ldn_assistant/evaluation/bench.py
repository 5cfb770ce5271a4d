"""`ldn-assistant bench`: how fast ingest, questions and start-up are, each against its floor, in one run.

Every comparison is interleaved within the run (contenders take turns, the order rotating), so the
noise of a shared machine falls on both sides; the report gives medians with their spread. Each step
lives in its own bench_* module; this one plans the run, calls them in order and writes the report.
"""

from __future__ import annotations

import math
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..cli_options import ExitCode, command_settings, exit_codes_help, quiet_option, setting_options

if TYPE_CHECKING:
    from .bench_stats import Spread
    from .bench_types import BenchReport


@dataclass(frozen=True)
class BenchPlan:
    """How much to measure. The quick plan is a smoke test for CI, not a figure to quote."""

    mode: str
    ingest_passages: int
    ingest_runs: int
    query_rounds: int
    question_limit: int | None
    cold_runs: int
    scale_sizes: tuple[int, ...]
    scale_rounds: int
    encoder_sample: int  # passages each scale worker also encodes raw, for its own encoder rate
    paragraph_chars: tuple[int, int]  # synthetic passage length; quick embeds short ones to stay fast
    # The embedding backends compared, of those the model has (bench_backends.backends_for); empty: all of them.
    backends: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def backends_of(self, available: tuple[str, ...], default: str) -> tuple[str, ...]:
        """The backends to compare: the plan's among those available, and always the default one."""
        return tuple(b for b in available if not self.backends or b in self.backends or b == default)

    @classmethod
    def quick(cls) -> BenchPlan:
        return cls(
            "quick",
            ingest_passages=150,
            ingest_runs=2,
            query_rounds=1,
            question_limit=30,
            # One cold run, and only the default backend against torch (its peer): each backend besides the
            # default trains its own triage network on a fresh machine (about two minutes), and each cold run of
            # every backend took about 40 s, so the quick plan's CI test ran 6 minutes with all three and two runs.
            cold_runs=1,
            scale_sizes=(500, 2_000),
            scale_rounds=1,
            encoder_sample=128,
            paragraph_chars=(80, 160),
            backends=("onnx", "torch"),
        )

    @classmethod
    def full(cls) -> BenchPlan:
        return cls(
            "full",
            ingest_passages=2_000,
            ingest_runs=4,
            query_rounds=3,
            question_limit=None,
            cold_runs=5,
            scale_sizes=(1_000, 10_000, 50_000),
            scale_rounds=2,
            encoder_sample=1_024,
            paragraph_chars=(260, 400),
        )

    @classmethod
    def backends_only(cls) -> BenchPlan:
        """The embedding backends compared (ingest, queries, cold start, eval) without the scale series, with
        fewer repetitions: three backends triple the ingest step, and the scale series measures one backend only."""
        return cls(
            "backends",
            ingest_passages=1_000,
            ingest_runs=2,
            query_rounds=1,
            question_limit=None,
            cold_runs=3,
            scale_sizes=(),
            scale_rounds=0,
            encoder_sample=0,
            paragraph_chars=(260, 400),
        )

    def steps(self, questions: int, backends: int = 1) -> int:
        others = backends - 1
        return 1 + self.query_rounds * questions + (3 + 2 * others) * self.ingest_runs + (3 + others) * self.cold_runs + len(self.scale_sizes) + backends


def _paired(numerators: list[float], denominators: list[float]) -> Spread:
    """Spread of the run-by-run ratios: each pair was measured back to back, so this cancels slow drift."""
    from .bench_stats import Spread

    return Spread.of([n / d for n, d in zip(numerators, denominators, strict=True) if d > 0])


def run_bench(
    report_dir: Path,
    plan: BenchPlan,
    corpus_dir: Path,
    evals_file: Path,
    show_progress: bool = True,
    command: str = "",
) -> BenchReport:
    """Run every measurement, write bench.json, bench.md and the plots into report_dir, return the report."""
    from tqdm import tqdm

    from ..assistant import Assistant
    from ..embeddings import effective_backend, make_embedder
    from ..settings import Settings
    from . import bench_backends, bench_report
    from .bench_cold import measure_cold_start
    from .bench_corpus import write_synthetic_corpus
    from .bench_ingest import measure_ingest
    from .bench_query import benchmark_questions, measure_queries
    from .bench_scale import SEED, run_point
    from .bench_stats import machine_info, ratio
    from .bench_types import BenchColdStart, BenchIngest, BenchQuery, BenchReport, Machine
    from .naive import NaiveLangChainRAG

    started = time.perf_counter()
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    report_dir.mkdir(parents=True, exist_ok=True)
    questions = benchmark_questions(evals_file, plan.question_limit)
    if not questions:
        raise click.ClickException(f"no answered cases in {evals_file} to use as questions")
    default = effective_backend(Settings())  # the model and backend settings, whatever the folders
    backends = plan.backends_of(bench_backends.backends_for(Settings()), default)
    bar = tqdm(total=plan.steps(len(questions), len(backends)), desc="bench", unit="step", file=sys.stderr, disable=not show_progress)

    def step() -> None:
        bar.update(1)

    stages: dict[str, float] = {}
    mark = [time.perf_counter()]

    def stage_done(name: str) -> None:
        now = time.perf_counter()
        stages[name] = round(now - mark[0], 1)
        mark[0] = now

    with tempfile.TemporaryDirectory(prefix="ldn-bench-") as tmp:
        work = Path(tmp)
        bar.set_postfix_str("loading the model, building the indexes")
        settings = Settings(corpus_dir=work / "real" / "corpus", index_dir=work / "real" / "index")
        shutil.copytree(corpus_dir, settings.corpus_dir)
        embedder = make_embedder(settings)
        assistant = Assistant(settings, embedder=embedder)
        assistant.ingest()
        # The other backends, each over its own index of the same corpus, measured in the same turns below.
        others = bench_backends.build_assistants(settings, [b for b in backends if b != default], work / "real")
        embedders = {default: embedder, **{name: other.embedder for name, other in others.items()}}
        # Top 3, on disk like the product's store: the naive pipeline as this benchmark has always timed it.
        naive = NaiveLangChainRAG(assistant.sources(), embedder, k=3, batch_size=settings.embedding_batch_size, persist_dir=work / "naive")
        machine = machine_info()  # after the models loaded, so torch's thread count is the one in use
        step()
        stage_done("setup")

        bar.set_postfix_str("warm queries")
        extra: dict[str, Callable[[str], Any]] = {f"ask:{name}": other.ask for name, other in others.items()}
        extra.update({f"embed:{name}": e.embed_query for name, e in embedders.items()})
        query = measure_queries(assistant, questions, plan.query_rounds, naive=naive, step=step, extra=extra)
        stage_done("query")

        bar.set_postfix_str("ingest vs encoder")
        ingest_corpus = write_synthetic_corpus(work / "ingest-corpus", plan.ingest_passages, corpus_dir, seed=SEED, paragraph_chars=plan.paragraph_chars)
        ingest = measure_ingest(
            ingest_corpus.path,
            embedder,
            work / "ingest",
            plan.ingest_runs,
            step=step,
            others={name: other.embedder for name, other in others.items()},
        )
        stage_done("ingest")

        bar.set_postfix_str("cold start")
        cold = measure_cold_start(settings, plan.cold_runs, step=step, others={name: o.settings for name, o in others.items()})
        stage_done("cold_start")

        bar.set_postfix_str("eval suites per backend")
        # The quick plan runs only the questions' own suite; the full one every suite beside it.
        suite_files = [evals_file] if plan.mode == "quick" else sorted(evals_file.parent.glob("*.jsonl"))
        triage_dir = evals_file.parent / "triage" if plan.mode != "quick" else None
        quality = bench_backends.evaluate({default: assistant, **others}, suite_files, step=step, triage_dir=triage_dir)
        stage_done("eval_backends")

        points = []
        for size in plan.scale_sizes:
            points.append(run_point(size, corpus_dir, work, questions, plan, bar.set_postfix_str))
            step()
            stage_done(f"scale_{size}")
        bar.close()

    assert query.naive_ms is not None  # measure_queries was given the naive pipeline
    assert cold.import_st_s is not None  # measure_cold_start times the sentence-transformers import
    report = BenchReport(
        mode=plan.mode,
        command=command,
        started=started_at,
        machine=Machine.from_dict(machine),
        ingest=BenchIngest(
            backend=default,
            passages_per_s=round(ingest.passages_per_s, 2),
            encoder_passages_per_s=round(ingest.encoder_passages_per_s, 2),
            ratio=round(ratio(ingest.passages_per_s, ingest.encoder_passages_per_s), 4),
            target_ratio=bench_report.INGEST_TARGET,
            passages=ingest.passages,
            corpus=f"synthetic, seed {SEED}, paragraphs of {plan.paragraph_chars[0]}-{plan.paragraph_chars[1]} characters",
            embedded_texts=ingest.units,
            encoder_units_per_s=round(ingest.units / ingest.encode_units_s.median, 2),
            ratio_to_units_encoder=round(ratio(ingest.encode_units_s.median, ingest.ingest_s.median), 4),
            encode_units_s=ingest.encode_units_s,
            batch_size=settings.embedding_batch_size,
            runs=plan.ingest_runs,
            ingest_s=ingest.ingest_s,
            encode_s=ingest.encode_s,
            ratio_paired=_paired(ingest.samples["encode"], ingest.samples["ingest"]),
        ),
        query=BenchQuery(
            backend=default,
            ask_p50_ms=round(query.ask_ms.median, 3),
            ask_p95_ms=round(query.ask_ms.p95, 3),
            floor_p50_ms=round(query.floor_ms.median, 3),
            ratio_to_floor=round(ratio(query.ask_ms.median, query.floor_ms.median), 4),
            target_ratio_to_floor=bench_report.QUERY_TARGET,
            naive_langchain_p50_ms=round(query.naive_ms.median, 3),
            ratio_to_naive=round(ratio(query.ask_ms.median, query.naive_ms.median), 4),
            questions=query.questions,
            rounds=query.rounds,
            candidates=settings.candidates,
            naive_chunks=naive.n_chunks,
            ask_ms=query.ask_ms,
            floor_ms=query.floor_ms,
            naive_ms=query.naive_ms,
            ratio_to_floor_paired=_paired(query.samples["ask"], query.samples["floor"]),
        ),
        cold_start=BenchColdStart(
            backend=default,
            cli_ask_s=round(cold.cli_ask_s.median, 3),
            floor_s=round(cold.floor_s.median, 3),
            ratio=round(ratio(cold.cli_ask_s.median, cold.floor_s.median), 4),
            import_sentence_transformers_s=round(cold.import_st_s.median, 3),
            ratio_to_import_sentence_transformers=round(ratio(cold.cli_ask_s.median, cold.import_st_s.median), 4),
            runs=cold.runs,
            cli_ask=cold.cli_ask_s,
            floor=cold.floor_s,
        ),
        scale=tuple(p.row() for p in points),
        backends=bench_backends.summarize(default, backends, ingest, query, cold, quality),
    )
    samples = {
        "query": query.samples,
        "ingest": ingest.samples,
        "cold": cold.samples,
    }
    report = replace(
        report,
        plots=tuple(bench_report.plot(report, samples, report_dir)),
        seconds=round(time.perf_counter() - started, 1),
        stage_seconds=stages,
        load_average_end=machine_info()["load_average_1m"],
    )
    bench_report.write_json(report, report_dir / "bench.json")
    (report_dir / "bench.md").write_text(bench_report.markdown(report), encoding="utf-8")
    return report


@click.command("bench", epilog=exit_codes_help(ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE))
@click.option("--quick", is_flag=True, help="Small sizes and few repetitions: a smoke test (CI), not figures to quote.")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/bench"),
    show_default=True,
    help="Where bench.json, bench.md and the PNG plots go.",
)
@setting_options("corpus_dir")
@click.option(
    "--evals",
    "evals_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path("evals/core.jsonl"),
    show_default=True,
    help="Questions: the answered cases of this suite.",
)
@click.option("--backends-only", is_flag=True, help="Only the embedding backends side by side (torch, onnx, onnx-int8): no scale series, fewer repetitions.")
@quiet_option("--no-progress")  # --no-progress: this command's old spelling, still accepted
def bench_command(quick: bool, report_dir: Path, evals_file: Path, backends_only: bool, quiet: bool) -> None:
    """Measure ingest, warm and cold questions, and growth with corpus size, each against its floor.

    Ratios, not absolute times, are the result: ingest against the raw encoder, ask() against one
    embedding plus one vector search (and the naive LangChain pipeline), a cold `ldn-assistant ask`
    against loading the model. The full run embeds about 65,000 passages: about 35 minutes on 2 cores.

    \b
    Examples:
      ldn-assistant bench --quick
      ldn-assistant bench --report-dir reports/bench
      ldn-assistant bench --backends-only --report-dir reports/bench-backends
    """
    corpus_dir = command_settings().corpus_dir
    if not corpus_dir.is_dir():
        raise click.UsageError(f"corpus folder {corpus_dir} does not exist (--corpus-dir, LDN_CORPUS_DIR)")
    if quick and backends_only:
        raise click.UsageError("give --quick or --backends-only, not both")
    plan = BenchPlan.quick() if quick else BenchPlan.backends_only() if backends_only else BenchPlan.full()
    command = "ldn-assistant " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["bench"] else f"ldn-assistant bench ({plan.mode})"
    report = run_bench(report_dir, plan, corpus_dir, evals_file, not quiet, command)
    q, i, c = report.query, report.ingest, report.cold_start
    click.echo(
        f"[{i.backend}] ingest {i.passages_per_s:.1f} passages/s ({i.ratio:.2f} of the encoder); "
        f"ask p50 {q.ask_p50_ms:.1f} ms ({q.ratio_to_floor:.2f}x the floor, {q.ratio_to_naive:.2f}x naive); "
        f"cold ask {c.cli_ask_s:.1f} s ({c.ratio:.2f}x loading the model, "
        f"{c.ratio_to_import_sentence_transformers:.2f}x importing sentence-transformers)"
    )
    for name, row in report.backends.rows.items():
        diff = row.quality_max_abs_difference_to_torch
        click.echo(
            f"  {name:>9}: ingest {row.ingest_passages_per_s:.1f}/s ({row.ingest_ratio_to_torch_ingest:.2f}x torch), "
            f"embed_query {row.embed_query_p50_ms:.1f} ms, ask {row.ask_p50_ms:.1f} ms, cold {row.cold_ask_s:.2f} s, "
            f"eval max |diff| to torch {'n/a' if diff is None else f'{diff:.3f}'}"
        )
    click.echo(f"report: {report_dir / 'bench.md'}")
    if not all(math.isfinite(v) for v in (i.ratio, q.ratio_to_floor, c.ratio)):
        raise click.ClickException("a measurement came out empty; see the report")
