"""The chat UI (gradio). Importing this package stays light; gradio loads when the app is built.

Modules, one job each: followup (search question for a follow-up), conversation (turns and
exports), source_view (a document as inert HTML), about (the About page), access (binding and
logins), session (what each event does), disclaimers (the fixed texts folded to one line),
port (is the port free, asked before the model loads), theme (CSS and page script), app (gradio
wiring), command (`ldn-assistant chat`).
"""

from __future__ import annotations

from .command import chat_command

__all__ = ["chat_command"]
