"""Run golden suites through the systems side by side, and the `ldn-assistant eval` command."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..cli_options import ExitCode, command_settings, exit_codes_help, given_option_flags, quiet_option, setting_options
from .metrics import CaseOutcome, SystemMetrics, contains_evidence, hit_at_k, hit_curve, summarize
from .scifact_cli import ScifactArgs, scifact_options
from .suites import Case, Suite, SuiteError, discover_suites, load_suites
from .systems import DESCRIPTIONS, SYSTEM_NAMES, ShownPassage, SystemAnswer
from .thresholds import Threshold, check_thresholds, parse_threshold

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..types import Source

DEFAULT_SUITES_DIR = Path("evals")
DEFAULT_REPORT_DIR = Path("reports/eval")
PASS_K = 3  # a case passes when its status is right and, if answerable, evidence is in the top 3


@dataclass(frozen=True)
class CaseResult:
    """One system on one case: what it returned, and how that scored."""

    case: Case
    system: str
    answer: SystemAnswer
    outcome: CaseOutcome

    @property
    def first_hit_rank(self) -> int | None:
        for rank, rel in enumerate(self.outcome.shown, start=1):
            if rel:
                return rank
        return None

    @property
    def passed(self) -> bool:
        if self.outcome.status != self.case.expected_status:
            return False
        return not self.case.answerable or bool(hit_at_k(self.outcome.shown, PASS_K))


@dataclass
class EvalRun:
    """Everything one run measured, ready for the report."""

    suites: list[Suite]
    systems: list[str]
    results: dict[str, list[CaseResult]]  # system -> one result per case, in suite order
    seconds: float
    info: dict[str, object] = field(default_factory=dict)

    @property
    def cases(self) -> list[Case]:
        return [c for s in self.suites for c in s.cases]

    def metrics(self) -> dict[str, SystemMetrics]:
        return {name: summarize([r.outcome for r in self.results[name]]) for name in self.systems}

    def categories(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for case in self.cases:
            counts[case.category] = counts.get(case.category, 0) + 1
        return counts

    def per_category(self) -> dict[str, dict[str, SystemMetrics]]:
        return {name: {cat: summarize([r.outcome for r in self.results[name] if r.case.category == cat]) for cat in self.categories()} for name in self.systems}

    def per_suite(self) -> dict[str, dict[str, SystemMetrics]]:
        return {
            suite.name: {name: summarize([r.outcome for r in self.results[name] if r.case.suite == suite.name]) for name in self.systems}
            for suite in self.suites
        }

    def hit_curves(self) -> dict[str, list[float]]:
        return {name: hit_curve([r.outcome for r in self.results[name]]) for name in self.systems}


def _resolvable(passage: ShownPassage, source: Source | None) -> bool:
    """The citation leads somewhere: the source exists, something is known about it, and the title shown is its title."""
    if source is None:
        return False
    meta = source.metadata
    known = any(getattr(meta, f) for f in ("title", "publisher", "author", "date", "kind", "url"))
    return known and (passage.title is None or passage.title == source.title)


def judge(case: Case, answer: SystemAnswer, get_source: Callable[[str], Source], latency_ms: float) -> CaseOutcome:
    """Score one answer against its case."""
    from ..safety import DISCLAIMERS

    relevant, verbatim, resolvable = [], [], []
    for p in answer.passages:
        try:
            source = get_source(p.source_id)
        except KeyError:
            source = None
        relevant.append(contains_evidence(p.text, case.reference_contexts))
        verbatim.append(source is not None and source.text[p.start : p.end] == p.text)
        resolvable.append(_resolvable(p, source))
    return CaseOutcome(
        case_id=case.id,
        category=case.category,
        expected_status=case.expected_status,
        status=answer.status,
        relevant=tuple(relevant),
        verbatim=tuple(verbatim),
        resolvable=tuple(resolvable),
        disclaimers_ok=tuple(answer.disclaimers) == tuple(DISCLAIMERS),
        latency_ms=latency_ms,
        n_references=len(case.reference_contexts),
    )


def run_eval(
    suites: Sequence[Suite],
    assistant: Assistant,
    systems: Sequence[str] = SYSTEM_NAMES,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> EvalRun:
    """Answer every case of every suite with every named system and score the answers.

    All systems share the assistant's corpus and its one loaded embedder.
    """
    from tqdm import tqdm

    from .systems import build_systems

    started = time.perf_counter()
    built = build_systems(assistant, tuple(systems), log=log)
    cases = [c for s in suites for c in s.cases]
    results: dict[str, list[CaseResult]] = {s.name: [] for s in built}
    # disable=None: a bar on a terminal, silence in CI logs where stderr is not a TTY.
    bar = tqdm(total=len(cases) * len(built), unit="answer", desc="eval", file=sys.stderr, disable=None if progress else True)
    try:
        for system in built:
            bar.set_postfix_str(system.name)
            for case in cases:
                t0 = time.perf_counter()
                answer = system.answer(case.user_input)
                latency_ms = (time.perf_counter() - t0) * 1000.0
                outcome = judge(case, answer, assistant.get_source, latency_ms)
                results[system.name].append(CaseResult(case, system.name, answer, outcome))
                bar.update(1)
    finally:
        bar.close()
        for system in built:
            close = getattr(system, "close", None)
            if close:
                close()
    info = {
        "embedding_model": assistant.settings.embedding_model,
        "top_k": assistant.settings.top_k,
        "sources": len(assistant.sources()),
        "descriptions": {s.name: DESCRIPTIONS[s.name] for s in built},
    }
    return EvalRun(list(suites), [s.name for s in built], results, time.perf_counter() - started, info)


def resolve_suite_args(args: Sequence[str], folder: Path = DEFAULT_SUITES_DIR) -> list[Path]:
    """Suite arguments to files: a path, or a bare name looked up in the suites folder; none means all."""
    if not args:
        return discover_suites(folder)
    paths: list[Path] = []
    for arg in args:
        path = Path(arg)
        if not path.exists() and (folder / f"{arg}.jsonl").is_file():
            path = folder / f"{arg}.jsonl"
        if not path.is_file():
            raise SuiteError(f"suite {arg!r} is neither a file nor a suite in {folder}/")
        if path.resolve() not in {p.resolve() for p in paths}:
            paths.append(path)
    return paths


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def summary_lines(metrics: dict[str, SystemMetrics]) -> list[str]:
    """A compact plain-text table for the terminal."""
    cols = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "status_accuracy", "disclaimer_rate", "verbatim_rate", "latency_p50_ms")
    width = max(len(n) for n in metrics) + 2
    lines = ["system".ljust(width) + "  ".join(c.rjust(max(len(c), 7)) for c in cols)]
    for name, m in metrics.items():
        values = m.to_dict()
        lines.append(name.ljust(width) + "  ".join(_fmt(values[c]).rjust(max(len(c), 7)) for c in cols))
    return lines


@click.command("eval", epilog=exit_codes_help(ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.THRESHOLD_MISSED))
@click.argument("suites", nargs=-1, metavar="[SUITE]...")
@click.option(
    "--report-dir",
    default=str(DEFAULT_REPORT_DIR),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where report.json, report.md and the PNG plots are written.",
)
@click.option(
    "--fail-under",
    "fail_under",
    multiple=True,
    metavar="[SYSTEM.]METRIC=VALUE",
    help=f"Exit {int(ExitCode.THRESHOLD_MISSED)} when a metric (over all cases run) is below VALUE. "
    "Without SYSTEM it is the product (ldn-assistant). Repeatable.",
)
@click.option(
    "--system",
    "systems",
    multiple=True,
    type=click.Choice(SYSTEM_NAMES),
    help="Run only these systems (repeatable). Default: all four.",
)
@click.option("--no-triage", is_flag=True, help="Skip the emergency-triage suite in evals/triage/ (every set there).")
@setting_options("corpus_dir", "index_dir", "top_k", "embedding_model")
@quiet_option()
@scifact_options
def eval_command(
    suites: tuple[str, ...],
    report_dir: Path,
    fail_under: tuple[str, ...],
    systems: tuple[str, ...],
    no_triage: bool,
    quiet: bool,
    scifact: ScifactArgs | None = None,
) -> None:
    """Run golden suites through the assistant and its baselines; write a report with tables and plots.

    SUITE is a JSON Lines file, or the name of one in evals/ (e.g. `core`). Without SUITE every
    evals/*.jsonl runs. Systems compared: ldn-assistant (the product), naive-langchain (a
    1000-character-chunk LangChain RAG), dense-only and bm25-only (the product with one retriever
    switched off), all over the same corpus and the same loaded embedder.

    Metrics: hit@1 hit@3 hit@5 mrr@10 ndcg@10 status_accuracy abstention_precision
    abstention_recall disclaimer_rate verbatim_rate citation_rate (and latency, reported only).

    \b
    Examples:
      ldn-assistant eval
      ldn-assistant eval core --fail-under hit@3=0.85 --fail-under status_accuracy=0.9
      ldn-assistant eval my_cases.jsonl --report-dir /tmp/report --fail-under naive-langchain.hit@1=0.3
      ldn-assistant eval --suite scifact --split dev --n-docs full
    """
    if scifact is not None:  # the SciFact benchmark of the bare engine: its own module, its own report
        from .scifact_cli import run_scifact_command

        if given_option_flags():  # SciFact builds its own corpus and index: these options would be ignored
            raise click.UsageError(f"{', '.join(given_option_flags())} apply to the golden suites, not to --suite scifact")

        return run_scifact_command(scifact, suites=suites, systems=systems, fail_under=fail_under, report_dir=report_dir, quiet=quiet)
    from ..manifest import IndexMismatchError, IndexMissingError

    settings = command_settings()
    try:
        thresholds: list[Threshold] = [parse_threshold(t) for t in fail_under]
        loaded = load_suites(resolve_suite_args(suites))
    except (ValueError, SuiteError) as exc:
        raise click.UsageError(str(exc)) from None
    chosen = tuple(systems) or SYSTEM_NAMES
    for t in thresholds:
        if t.system not in chosen:
            raise click.UsageError(f"--fail-under {t} names system {t.system!r}, which is not being run")

    say = (lambda msg: None) if quiet else (lambda msg: click.echo(msg, err=True))
    say(f"{sum(len(s.cases) for s in loaded)} cases from {', '.join(s.name for s in loaded)}; loading the model and index")
    try:
        from ..assistant import Assistant

        assistant = Assistant.from_settings(settings)
        assistant.warm_up()
    except (IndexMissingError, IndexMismatchError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None

    run = run_eval(loaded, assistant, chosen, progress=not quiet, log=say)
    metrics = run.metrics()
    misses = check_thresholds(thresholds, metrics)

    from .report import write_report

    triage = None
    if not no_triage and (DEFAULT_SUITES_DIR / "triage").is_dir():
        from .triage_eval import HALVES, TRIAGE_DIR, run_triage

        say(f"running the triage suite (evals/triage/: {', '.join(HALVES)})")
        triage = run_triage(assistant, TRIAGE_DIR)
    written = write_report(run, report_dir, thresholds=thresholds, misses=misses, triage=triage)
    for line in summary_lines(metrics):
        click.echo(line)
    if triage is not None:
        for half, by_system in triage.halves.items():
            click.echo(f"triage {half}: " + "; ".join(f"{n} recall {m.recall:.3f} false alarms {m.false_alarm_rate:.3f}" for n, m in by_system.items()))
    click.echo(f"{len(run.cases)} cases x {len(run.systems)} systems in {run.seconds:.1f}s; report: {written.markdown}")
    if misses:
        for miss in misses:
            click.echo(f"FAILED threshold: {miss}", err=True)
        sys.exit(ExitCode.THRESHOLD_MISSED)
    if thresholds:
        click.echo(f"all {len(thresholds)} threshold(s) met")
