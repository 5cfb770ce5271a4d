"""The command line: parse, call the Python API, print. No logic of its own."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import click

from .settings import Settings

# Commands that live beside the part they drive, loaded only when called (the UI imports gradio).
LAZY_COMMANDS = {
    "chat": ("ldn_assistant.ui", "chat_command"),
    "eval": ("ldn_assistant.evaluation.runner", "eval_command"),
    "bench": ("ldn_assistant.evaluation.bench", "bench_command"),
}

# 2 is click's code for a usage error; "ingested, but some files were skipped" must not share it.
EXIT_OK, EXIT_FAILED, EXIT_FILE_PROBLEMS = 0, 1, 3


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        from pydantic import ValidationError

        try:
            return super().invoke(ctx)
        except ValidationError as exc:  # a bad LDN_* value: one line naming the setting, not a traceback
            click.echo(f"Error: {settings_problem(exc)}", err=True)
            sys.exit(EXIT_FAILED)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ldn-assistant")
def main() -> None:
    """Answers about low dose naltrexone (LDN) for chronic pain, only as verbatim quotes from curated
    sources, each cited, with fixed safety disclaimers.

    Settings come from LDN_* environment variables (see README).

    \b
    Examples:
      ldn-assistant ingest
      ldn-assistant ask "Is LDN FDA approved for chronic pain?"
      ldn-assistant chat
    """


def settings_problem(exc) -> str:
    """A pydantic validation error of Settings as one line: which LDN_* variable, what was wrong."""
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ())) or "?"
        parts.append(f"LDN_{field.upper()}={error.get('input')!r}: {error.get('msg')}")
    return "bad setting " + "; ".join(parts)


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        _fail(settings_problem(exc))
        raise  # unreachable: _fail exits


def _assistant(build_if_missing: bool = True):
    from .assistant import Assistant

    return Assistant.from_settings(_settings(), build_if_missing=build_if_missing)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_FAILED)


@main.command()
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--wait", default=0.0, show_default=True, help="Seconds to wait for another running ingest.")
def ingest(quiet: bool, wait: float) -> None:
    """Build or update the index from the corpus folder (LDN_CORPUS_DIR).

    Only new or changed documents are embedded; removed ones are deleted. Exit code 0 when every
    file was indexed, 3 when some files were skipped (each named with its reason), 1 on failure, 2 for a usage error.

    \b
    Example:
      LDN_CORPUS_DIR=./corpus ldn-assistant ingest
    """
    from tqdm import tqdm

    from .assistant import Assistant
    from .manifest import IngestLockedError

    assistant = Assistant(_settings())
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
    sys.exit(EXIT_FILE_PROBLEMS if report.skipped else EXIT_OK)


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (Answer.to_dict()).")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the answer as Markdown (Answer.markdown), for piping.")
def ask(question: str, as_json: bool, as_markdown: bool) -> None:
    """Ask one question; prints the quoted passages, their sources and the disclaimers.

    \b
    Examples:
      ldn-assistant ask "What dose of LDN is used for fibromyalgia?"
      ldn-assistant ask "Can I take LDN with tramadol?" --json
      ldn-assistant ask "Is LDN FDA approved?" --markdown > answer.md
    """
    from .manifest import IndexMismatchError

    try:
        answer = _assistant().ask(question)
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


@main.command()
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
