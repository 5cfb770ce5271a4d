"""`ldn-assistant eval --suite scifact`: the SciFact options of the eval command and what they run.

The options are added to the existing eval command by one decorator and arrive there as one value
(`scifact`, None unless --suite scifact was given), so the golden-suite command stays as it was.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..cli_options import ExitCode
from .scifact_data import SCIFACT_DIR_ENV, SPLITS, CorpusSpec
from .thresholds import PRODUCT, Threshold, ThresholdMiss

METRICS = ("ndcg@10", "recall@10", "rationale_hit@1", "rationale_hit@3")


@dataclass(frozen=True)
class ScifactArgs:
    """The SciFact options as given on the command line."""

    split: str
    n_docs: int | None  # None: the full corpus
    max_claims: int | None
    scifact_dir: Path | None


def _n_docs(value: str | None) -> int | None:
    if value is None or value == "full":
        return None
    try:
        n = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither a number nor 'full'") from None
    if n < 1:
        raise click.BadParameter("must be at least 1")
    return n


def scifact_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --suite/--split/--n-docs/--max-claims/--scifact-dir to a command, packed into `scifact`."""

    @functools.wraps(command)
    def wrapper(*args: Any, suite: str | None, split: str | None, n_docs: str | None, max_claims: int | None, scifact_dir: Path | None, **kwargs: Any) -> Any:
        if suite is None:
            pairs = (("--split", split), ("--n-docs", n_docs), ("--max-claims", max_claims), ("--scifact-dir", scifact_dir))
            given = [name for name, v in pairs if v is not None]
            if given:
                raise click.UsageError(f"{', '.join(given)} apply only with --suite scifact")
            return command(*args, scifact=None, **kwargs)
        return command(*args, scifact=ScifactArgs(split or "dev", _n_docs(n_docs) if n_docs else 1200, max_claims, scifact_dir), **kwargs)

    options = [
        click.option(
            "--suite",
            type=click.Choice(["scifact"]),
            default=None,
            help="A public benchmark instead of the golden suites: scifact (the bare engine, no domain knowledge, on the SciFact claims).",
        ),
        click.option(
            "--split", type=click.Choice(SPLITS), default=None, help="SciFact claims to score: dev (held out, reported) or train (for tuning). Default dev."
        ),
        click.option(
            "--n-docs", "n_docs", metavar="N|full", default=None, help="SciFact corpus size: a subset of N abstracts or the full 5,183. Default 1200."
        ),
        click.option("--max-claims", type=click.IntRange(min=1), default=None, help="Score only the first N scorable SciFact claims (a quick run)."),
        click.option(
            "--scifact-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help=f"The SciFact release folder (default ${SCIFACT_DIR_ENV}, else ../shared/benchmarks/scifact).",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def parse_threshold(text: str) -> Threshold:
    """`[SYSTEM.]METRIC=VALUE` over the SciFact metrics; without SYSTEM it is the engine."""
    name, sep, value = text.partition("=")
    system, dot, metric = name.strip().rpartition(".")
    if not sep or metric not in METRICS:
        raise ValueError(f"SciFact threshold {text!r} must look like [SYSTEM.]METRIC=VALUE with METRIC one of {', '.join(METRICS)}")
    try:
        minimum = float(value)
    except ValueError:
        raise ValueError(f"threshold value {value!r} in {text!r} is not a number") from None
    return Threshold(system if dot else PRODUCT, metric, minimum)


def run_scifact_command(
    args: ScifactArgs, *, suites: Sequence[str], systems: Sequence[str], fail_under: Sequence[str], report_dir: Path | None, quiet: bool
) -> None:
    """Run SciFact, write reports/scifact/<name>/ (or --report-dir), print the table, check thresholds."""
    from .scifact import SCIFACT_SYSTEMS, ScifactOptions, run_scifact
    from .scifact_data import ScifactDataError
    from .scifact_report import write_report

    # The eval command's --report-dir defaults to the golden suites' folder; SciFact reports go to
    # reports/scifact/<name>/ unless a folder was asked for.
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.get_parameter_source("report_dir") == click.core.ParameterSource.DEFAULT:
        report_dir = None
    if suites:
        raise click.UsageError("give either SUITE files or --suite scifact, not both")
    try:
        thresholds = [parse_threshold(t) for t in fail_under]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    chosen = tuple(s for s in SCIFACT_SYSTEMS if s in systems) if systems else SCIFACT_SYSTEMS
    for t in thresholds:
        if t.system not in chosen:
            raise click.UsageError(f"--fail-under {t} names system {t.system!r}, which is not being run")
    options = ScifactOptions(
        split=args.split, corpus=CorpusSpec(n_docs=args.n_docs), max_claims=args.max_claims, systems=chosen, benchmark_dir=args.scifact_dir
    )
    say = (lambda msg: None) if quiet else (lambda msg: click.echo(msg, err=True))
    try:
        run = run_scifact(options, log=say, progress=not quiet)
    except (ScifactDataError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    written = write_report(run, report_dir or options.cache_dir / options.name)

    click.echo(f"{'system':<17}{'ndcg@10':>9}{'recall@10':>11}{'hit@1':>8}{'hit@3':>8}")
    for s in run.systems:
        values = [s.ndcg_at_10, s.recall_at_10, s.rationale_hit(1), s.rationale_hit(3)]
        click.echo(f"{s.system:<17}" + "".join(f"{'n/a' if v is None else f'{v:.3f}':>{w}}" for v, w in zip(values, (9, 11, 8, 8), strict=True)))
    click.echo(
        f"{run.doc_claims} claims ({run.evidence_claims} with rationales), {run.corpus.n_docs} abstracts, {run.seconds:.1f}s; report: {written.markdown}"
    )

    by_system = {s.system: s.summary() for s in run.systems}
    misses = [ThresholdMiss(t, by_system[t.system][t.metric]) for t in thresholds if (by_system[t.system][t.metric] or 0.0) < t.minimum]
    for miss in misses:
        click.echo(f"FAILED threshold: {miss}", err=True)
    if misses:
        sys.exit(ExitCode.THRESHOLD_MISSED)  # the eval command's code for a missed threshold, as for the golden suites
