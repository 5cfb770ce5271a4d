"""The command line: parse, call the Python API, print. No logic of its own."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from .cli_options import (
    BadSettingError,
    ExitCode,
    command_settings,
    exit_codes_help,
    quiet_option,
    setting_options,
    settings_problem,
)
from .product import NAME as PRODUCT

if TYPE_CHECKING:
    from .assistant import Assistant

# Commands that live beside the part they drive, loaded only when called (the UI imports gradio).
LAZY_COMMANDS = {
    "chat": ("ldn_assistant.ui", "chat_command"),
    "eval": ("ldn_assistant.evaluation.runner", "eval_command"),
    "bench": ("ldn_assistant.evaluation.bench", "bench_command"),
    "compare": ("ldn_assistant.evaluation.compare_cli", "compare_command"),
}

# A question on standard input is read up to this many characters: enough for any question the
# assistant accepts (LDN_MAX_QUESTION_CHARS), without reading a whole file piped in by mistake.
STDIN_QUESTION_LIMIT = 1_000_000


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from pydantic import ValidationError

        try:
            return super().invoke(ctx)
        except ValidationError as exc:  # a command that read Settings() itself met a bad LDN_* value
            raise BadSettingError(settings_problem(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=exit_codes_help(*ExitCode))
@click.version_option(package_name=PRODUCT)
def main() -> None:
    """Answers about low dose naltrexone (LDN) for chronic pain, only as verbatim quotes from curated
    sources, each cited, with fixed safety disclaimers.

    Settings come from LDN_* environment variables (see README); the ones a command uses can also be
    given as its options (`ldn-assistant ask --help` lists them with their variables).

    \b
    Examples:
      ldn-assistant ingest
      ldn-assistant ask "Is LDN FDA approved for chronic pain?"
      echo "Is LDN FDA approved for chronic pain?" | ldn-assistant ask -
      ldn-assistant chat
    """


def _assistant(build_if_missing: bool = True) -> Assistant:
    from .assistant import Assistant

    return Assistant.from_settings(command_settings(), build_if_missing=build_if_missing)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(ExitCode.FAILED)


@main.command(epilog=exit_codes_help(ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.FILES_SKIPPED))
@setting_options("corpus_dir", "index_dir", "embedding_model", "embedding_batch_size")
@quiet_option()
@click.option("--wait", default=0.0, show_default=True, help="Seconds to wait for another running ingest.")
def ingest(quiet: bool, wait: float) -> None:
    """Build or update the index from the corpus folder.

    Only new or changed documents are embedded; removed ones are deleted. A file that cannot be
    used is named on standard error with its reason, and any version of it indexed before is kept.

    \b
    Examples:
      ldn-assistant ingest --corpus-dir ./corpus --index-dir ./index
      LDN_CORPUS_DIR=./corpus ldn-assistant ingest -q
    """
    from tqdm import tqdm

    from .assistant import Assistant
    from .manifest import IngestLockedError

    assistant = Assistant(command_settings())
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet or total == 0:
            return
        if bar is None:
            bar = tqdm(total=total, unit="sentence", desc="embedding", file=sys.stderr)
        bar.update(done - bar.n)

    try:
        report = assistant.ingest(progress=progress, lock_wait=wait)
    except (IngestLockedError, FileNotFoundError) as exc:
        _fail(str(exc))
    finally:
        if bar is not None:
            bar.close()
    for problem in report.skipped:
        click.echo(f"skipped {problem.path}: {problem.reason}", err=True)
    for name in report.without_metadata:
        click.echo(f"no metadata file for {name} (add {name}.meta.json to name its title, outlet and date)", err=True)
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; "
        f"{report.passages} passages ({report.passages_embedded} embedded) in {report.seconds:.1f}s"
    )
    sys.exit(ExitCode.FILES_SKIPPED if report.skipped else ExitCode.OK)


def question_from(argument: str | None, stdin: TextIO) -> str:
    """The question: the argument, or standard input when the argument is '-' or missing under a pipe."""
    if argument is not None and argument != "-":
        return argument
    if argument is None and stdin.isatty():
        raise click.UsageError("give a QUESTION, or '-' to read it from standard input")
    text = stdin.read(STDIN_QUESTION_LIMIT + 1)
    if len(text) > STDIN_QUESTION_LIMIT:
        raise click.UsageError(f"standard input holds more than {STDIN_QUESTION_LIMIT:,} characters; a question is far shorter")
    return text


@main.command(epilog=exit_codes_help(ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE))
@click.argument("question", required=False)
@setting_options("index_dir", "corpus_dir", "top_k", "embedding_model", "domain")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (Answer.to_dict()).")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the answer as Markdown (Answer.markdown), for piping.")
def ask(question: str | None, as_json: bool, as_markdown: bool) -> None:
    """Ask one QUESTION; prints the quoted passages, their sources and the disclaimers, as plain text.

    QUESTION '-', or no QUESTION with a pipe, reads the question from standard input. Without an
    index, one is built from the corpus folder first.

    \b
    Examples:
      ldn-assistant ask "What dose of LDN is used for fibromyalgia?"
      ldn-assistant ask --index-dir ./index -k 3 "Can I take LDN with tramadol?" --json
      ldn-assistant ask "Is LDN FDA approved?" --markdown > answer.md
      echo "Is LDN FDA approved for chronic pain?" | ldn-assistant ask -
    """
    from .manifest import IndexMismatchError

    text = question_from(question, sys.stdin)  # CliRunner swaps sys.stdin too, so tests feed it the same way
    try:
        answer = _assistant().ask(text)
    except ValueError as exc:
        _fail(f"cannot answer: {exc}")
    except IndexMismatchError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    elif as_markdown:
        click.echo(answer.markdown)
    else:  # a terminal reads the source's own characters: no Markdown escapes such as 2022\-12\-09
        from .render import answer_text

        click.echo(answer_text(answer))


@main.command(epilog=exit_codes_help(ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE))
@setting_options("index_dir", "embedding_model")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON, without their text.")
def sources(as_json: bool) -> None:
    """List the indexed documents with their metadata.

    \b
    Example:
      ldn-assistant sources --json
    """
    from .manifest import IndexMismatchError, IndexMissingError

    try:
        docs = _assistant(build_if_missing=False).sources()
    except (IndexMissingError, IndexMismatchError) as exc:
        _fail(str(exc))
    rows = [{k: v for k, v in s.to_dict().items() if k not in ("text", "path")} | {"characters": len(s.text)} for s in docs]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(row["source_id"])
        for key in ("title", "publisher", "author", "date", "kind", "url"):
            click.echo(f"  {key + ':':<10} {row[key] or '(unknown)'}")
        click.echo(f"  {'hash:':<10} {row['content_hash'][:16]}  ({row['characters']:,} characters)")


@main.command()
@click.option("--report", "report", type=click.Path(path_type=Path), default=None, help="Evaluation report to show (default LDN_UI_EVAL_REPORT).")
def about(report: Path | None) -> None:
    """Print the About page as Markdown: intended use and users, inputs, how an answer is made, the
    sources with their kinds and dates, the latest validation results, known limits.

    \b
    Example:
      ldn-assistant about --report reports/eval/report.json
    """
    from .manifest import IndexMismatchError, IndexMissingError

    try:
        page = _assistant(build_if_missing=False).about(report)
    except (IndexMissingError, IndexMismatchError) as exc:
        _fail(str(exc))
    click.echo(page)


if __name__ == "__main__":
    main()
