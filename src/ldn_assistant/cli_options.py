"""What every command of the CLI shares: settings as options, one --quiet flag, and the exit codes.

Settings stays the one source of defaults and validation. A setting's option only records a value
given on the command line and hands it to Settings; a value in the environment is left for Settings
to read, as it always did. The option names its LDN_* variable so that --help shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

import click

from .settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
GIVEN = "ldn_assistant.settings_given"  # where ctx.meta keeps the settings given on the command line


class ExitCode(IntEnum):
    """What a command's exit status means; no two meanings share a code."""

    OK = 0
    FAILED = 1  # the command ran and failed; the reason is on standard error
    USAGE = 2  # a bad option, argument or setting: nothing was done (2 is click's own code for usage errors)
    FILES_SKIPPED = 3  # ingest: the index was built, but some files were skipped, each named with its reason
    THRESHOLD_MISSED = 4  # eval: the run finished, but a --fail-under threshold was not met


EXIT_CODE_MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "failed (the reason is on standard error)",
    ExitCode.USAGE: "bad option, argument or setting; nothing was done",
    ExitCode.FILES_SKIPPED: "indexed, but some files were skipped (each named with its reason)",
    ExitCode.THRESHOLD_MISSED: "a --fail-under threshold was not met",
}


def exit_codes_help(*codes: ExitCode) -> str:
    """The 'Exit codes' paragraph of a command's --help, for the codes that command can return."""
    return "\b\nExit codes:\n" + "\n".join(f"  {int(code)}  {EXIT_CODE_MEANINGS[code]}" for code in codes or ExitCode)


@dataclass(frozen=True)
class SettingOption:
    """How one Settings field is spelled on the command line."""

    flags: tuple[str, ...]
    metavar: str


SETTING_OPTIONS: dict[str, SettingOption] = {
    "corpus_dir": SettingOption(("--corpus-dir",), "DIR"),
    "index_dir": SettingOption(("--index-dir",), "DIR"),
    "embedding_model": SettingOption(("--model",), "NAME"),
    "embedding_batch_size": SettingOption(("--batch-size",), "N"),
    "top_k": SettingOption(("-k", "--top-k"), "N"),
    "domain": SettingOption(("--domain",), "NAME|FILE"),
}


def env_var(field: str) -> str:
    return f"LDN_{field.upper()}"


def _remember_if_given(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    # Only a command-line value is recorded: one from the environment is Settings' own to read and validate.
    if value is not None and param.name and ctx.get_parameter_source(param.name) is click.core.ParameterSource.COMMANDLINE:
        ctx.meta.setdefault(GIVEN, {})[param.name] = value


def setting_option(field: str) -> Callable[[F], F]:
    """The option for one Settings field: its help and default come from Settings, its variable is shown."""
    spelling = SETTING_OPTIONS[field]
    info = Settings.model_fields[field]
    return click.option(
        *spelling.flags,
        field,
        metavar=spelling.metavar,
        envvar=env_var(field),
        show_envvar=True,
        # The default is Settings' own, shown in --help; it is never passed on (only command-line values are).
        default=info.default,
        show_default=True,
        type=click.STRING,  # parsed by Settings, not by click: one validation, one error message
        expose_value=False,
        callback=_remember_if_given,
        help=info.description,
    )


def setting_options(*fields: str) -> Callable[[F], F]:
    """Options for the Settings fields a command uses, in the order given."""

    def decorate(command: F) -> F:
        for field in reversed(fields):
            command = setting_option(field)(command)
        return command

    return decorate


def given_settings() -> Mapping[str, str]:
    """The settings given as options to the command running now."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(GIVEN, {}) if ctx is not None else {}


def given_option_flags() -> list[str]:
    """The setting options given to the command running now, as the user spelled them (long form)."""
    return [SETTING_OPTIONS[field].flags[-1] for field in sorted(given_settings())]


class BadSettingError(click.ClickException):
    """A setting Settings refused: one line naming the option or variable, the value and what was wrong."""

    exit_code = ExitCode.USAGE


def settings_problem(exc: Any, given: Mapping[str, str] = {}) -> str:
    """A pydantic ValidationError of Settings as one line: where the value came from, the value, the rule it broke."""
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ())) or "?"
        where = SETTING_OPTIONS[field].flags[-1] if field in given else env_var(field)
        parts.append(f"{where}={error.get('input')!r}: {error.get('msg')}")
    return "bad setting " + "; ".join(parts)


def command_settings() -> Settings:
    """Settings for the command running now: its options over the LDN_* environment over the defaults."""
    from pydantic import ValidationError

    given = given_settings()
    try:
        return Settings(**given)  # type: ignore[arg-type]  # strings on purpose: Settings parses and validates them
    except ValidationError as exc:
        raise BadSettingError(settings_problem(exc, given)) from None


class _FlagWithHiddenAliases(click.Option):
    """A flag whose old spellings still work but are left out of --help."""

    def __init__(self, *args: Any, hidden_aliases: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden_aliases = hidden_aliases

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        every = self.opts
        self.opts = [o for o in every if o not in self.hidden_aliases]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = every


def quiet_option(*old_spellings: str) -> Callable[[F], F]:
    """The one --quiet/-q of every command that shows progress; old spellings still work, unlisted."""
    return click.option(
        "--quiet",
        "-q",
        *old_spellings,
        "quiet",
        is_flag=True,
        cls=_FlagWithHiddenAliases,
        hidden_aliases=old_spellings,
        help="No progress bar or progress messages on standard error.",
    )
