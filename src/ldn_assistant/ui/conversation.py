"""One chat as a list of turns, and its export for a clinical record (Markdown and JSON)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..render import escape_markdown
from ..types import Answer

EXPORT_FORMAT = "ldn-assistant conversation v1"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Turn:
    """One question and its answer. `searched` differs from `asked` only for a follow-up."""

    asked: str
    searched: str
    answer: Answer
    time: str = field(default_factory=_now)

    @property
    def follow_up(self) -> bool:
        return self.searched != self.asked

    def to_dict(self) -> dict:
        return {
            "time": self.time,
            "asked": self.asked,
            "searched": self.searched,
            "follow_up": self.follow_up,
            "answer": self.answer.to_dict(),
        }


def searched_note(turn: Turn) -> str:
    """The line that tells the user a follow-up was searched with the previous question's subject."""
    return f"*Follow-up, searched as:* “{escape_markdown(turn.searched)}”"


def turn_markdown(turn: Turn, render: Callable[[Answer], str] | None = None) -> str:
    """The assistant's message for a turn: the searched question when it was a follow-up, then the
    answer as `render` gives it (Answer.markdown unless told otherwise)."""
    body = render(turn.answer) if render else turn.answer.markdown
    if turn.follow_up:
        return searched_note(turn) + "\n\n" + body
    return body


def conversation_markdown(turns: list[Turn], version: str = "") -> str:
    """The whole conversation as Markdown: every question, what was searched, and every answer in full."""
    lines = [
        "# LDN evidence assistant: conversation",
        "",
        f"Exported {_now()} from ldn-assistant {version}".rstrip() + ". Each answer quotes its sources word for word.",
    ]
    for number, turn in enumerate(turns, start=1):
        lines += ["", f"## Question {number} ({turn.time})", "", escape_markdown(turn.asked)]
        if turn.follow_up:
            lines += ["", searched_note(turn)]
        lines += ["", "### Answer", "", turn.answer.markdown]
    if not turns:
        lines += ["", "No questions were asked."]
    return "\n".join(lines) + "\n"


def conversation_json(turns: list[Turn], version: str = "") -> str:
    """The whole conversation as JSON: each answer as Answer.to_dict(), plus what was asked and searched."""
    record = {"format": EXPORT_FORMAT, "exported": _now(), "version": version, "turns": [t.to_dict() for t in turns]}
    return json.dumps(record, ensure_ascii=False, indent=2)
