"""`ldn-assistant compare`: two eval reports of one kind, golden suites (compare.py) or SciFact (scifact_compare.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_options import ExitCode, exit_codes_help
from ..product import NAME as PRODUCT
from .compare import ReportError, check_golden_report, compare_reports, comparison_markdown, read_report
from .scifact_compare import compare_scifact_reports, is_scifact_report, scifact_comparison_markdown
from .triage_compare import compare_triage, triage_comparison_markdown


def comparison_text(before: Path, after: Path, system: str = PRODUCT, before_system: str | None = None, show_cases: bool = False) -> str:
    """The comparison of two report files or directories as Markdown, whichever kind they are; ReportError if they
    cannot be compared."""
    old, new = read_report(before), read_report(after)
    if is_scifact_report(old) != is_scifact_report(new):
        kinds = {True: "a SciFact report", False: "a golden-suite report"}
        raise ReportError(f"{before} is {kinds[is_scifact_report(old)]} and {after} {kinds[is_scifact_report(new)]}: compare two reports of one kind")
    if is_scifact_report(old):
        return scifact_comparison_markdown(compare_scifact_reports(old, new, system=system, before_system=before_system), show_cases=show_cases)
    comparison = compare_reports(check_golden_report(old, str(before)), check_golden_report(new, str(after)), system=system, before_system=before_system)
    if old == new:  # one run twice (e.g. with --before-system): its answer systems all share one triage
        triage = ["", "## Emergency triage", "", "Triage left out: both reports are the same run, so its triage is the same on both sides."]
    else:  # --before-system picks an answer system; the triage compared is the layered one of each run
        triage = triage_comparison_markdown(compare_triage(old, new), show_cases=show_cases)
    return comparison_markdown(comparison, show_cases=show_cases) + "\n".join(triage) + "\n"


@click.command("compare", epilog=exit_codes_help(ExitCode.OK, ExitCode.USAGE))
@click.argument("before", type=click.Path(path_type=Path))
@click.argument("after", type=click.Path(path_type=Path))
@click.option("--system", default=PRODUCT, show_default=True, help="The system compared (in both reports, unless --before-system).")
@click.option("--before-system", default=None, help="Another system of the first report to compare against, e.g. dense-only.")
@click.option("--show-cases", is_flag=True, help="Also list the case (or claim) ids that changed. Leave off for held-out data while tuning.")
def compare_command(before: Path, after: Path, system: str, before_system: str | None, show_cases: bool) -> None:
    """Compare two eval reports case by case (each a report directory or its report.json).

    Golden-suite reports (`ldn-assistant eval`): for each suite both ran, hit@1, hit@3 and status accuracy before and
    after, the questions gained and lost, the exact McNemar p of that split, and a 95% interval for each figure; then
    for each triage set, the triage's recall and specificity the same way.

    SciFact reports (`ldn-assistant eval --suite scifact`): nDCG@10 and recall@10 with the claims that scored higher
    and lower, the sign test's p and a 95% interval for the mean difference; rationale hit@1 and hit@3 as above.

    \b
    Examples:
      ldn-assistant eval core holdout --report-dir /tmp/before   # then make the change
      ldn-assistant eval core holdout --report-dir /tmp/after
      ldn-assistant compare /tmp/before /tmp/after
      ldn-assistant compare reports/eval reports/eval --before-system dense-only
      ldn-assistant compare reports/scifact/dev-full reports/scifact/dev-full --before-system bm25-only
    """
    try:
        text = comparison_text(before, after, system=system, before_system=before_system, show_cases=show_cases)
    except ReportError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(text, nl=False)
