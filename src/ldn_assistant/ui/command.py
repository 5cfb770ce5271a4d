"""`ldn-assistant chat`: start the chat UI. Imports gradio only when the command runs."""

from __future__ import annotations

import sys

import click

from ..cli_options import command_settings, setting_options


@click.command("chat")
@setting_options("corpus_dir", "index_dir", "top_k", "embedding_model", "domain")
@click.option("--host", default=None, help="Address to listen on (default LDN_HOST, else 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default LDN_PORT, else 7386).")
@click.option(
    "--listen-all",
    is_flag=True,
    default=None,
    help="Allow listening where other machines can connect (all interfaces unless --host names one).",
)
def chat_command(host: str | None, port: int | None, listen_all: bool | None) -> None:
    """Start the chat UI in the browser: cited quotes, a source viewer, exports and an About page.

    It listens on loopback only unless --listen-all is given. Logins are optional: set
    LDN_UI_USERS="user:password,..." or LDN_UI_USERS_FILE. A JSON endpoint /ask serves
    gradio_client (see docs/ui.md).

    \b
    Examples:
      ldn-assistant chat
      ldn-assistant chat --port 8080
      LDN_UI_USERS="dr_lee:change-me" ldn-assistant chat --listen-all
    """
    from .access import AccessError, bind_address, load_users, make_auth

    settings = command_settings()  # its options over the LDN_* environment over the defaults
    host = host or settings.host
    port = port or settings.port
    listen_all = settings.ui_listen_all if listen_all is None else listen_all
    # Check access before the slow start, so a mistake costs no model load.
    try:
        address = bind_address(host, listen_all)
        users = load_users(settings.ui_users.get_secret_value() if settings.ui_users else None, settings.ui_users_file)
    except AccessError as exc:
        raise click.UsageError(str(exc)) from None
    if listen_all and not users:
        click.echo("Warning: listening beyond this machine without logins; set LDN_UI_USERS.", err=True)
    from .port import port_problem

    busy = port_problem(address, port)
    if busy:  # before the model loads: one line, no traceback
        click.echo(f"Error: {busy}", err=True)
        sys.exit(1)

    from ..assistant import Assistant
    from ..manifest import IndexMismatchError
    from .app import build_app, launch_kwargs

    click.echo("Loading the model and the index…", err=True)
    try:
        assistant = Assistant.from_settings(settings)
        assistant.warm_up()  # so the first question is as fast as every other
    except (IndexMismatchError, FileNotFoundError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    demo = build_app(assistant)
    click.echo(f"Chat UI on http://{'127.0.0.1' if address == '0.0.0.0' else address}:{port}", err=True)
    try:
        demo.launch(**launch_kwargs(address, port, make_auth(users)))
    except OSError:  # taken while the model loaded: still one line
        click.echo(f"Error: {port_problem(address, port) or f'cannot listen on port {port}'}", err=True)
        sys.exit(1)
