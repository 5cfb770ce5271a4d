"""What the chat UI does, as plain functions over a list of turns: no gradio here, so each step can
be called and tested directly. The gradio wiring in app.py only moves values in and out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..render import escape_markdown
from .conversation import Turn, turn_markdown
from .disclaimers import chat_answer
from .followup import resolve_follow_up
from .source_view import inert, placeholder_html, source_html

if TYPE_CHECKING:
    from ..assistant import Assistant

log = logging.getLogger("ldn_assistant.ui")

# Answers whose question can give a follow-up its subject; an emergency or a refusal cannot.
_TOPICAL = ("answered", "no_evidence")

VIEWER_HINT = "Choose a citation number such as [1] in an answer, or a citation above, to read the quoted passage in its whole document."
EMPTY_QUESTION = "Type a question first, or choose one of the example questions below the conversation."


def is_empty(message: Any) -> bool:
    """An empty (or blank) box is not a question: nothing is searched and the user is told why."""
    return isinstance(message, str) and not message.strip()


def status_html(message: str) -> str:
    """The line under the question box; a live region, so a screen reader says it too."""
    return f"<p class='ldn-status' role='status' aria-live='polite'>{inert(message)}</p>"


def cleared() -> list[Turn]:
    """A new, empty conversation. The previous turns are dropped, not kept anywhere: the follow-up
    context, the citation list, the viewer and both exports are all built from this list."""
    return []


def previous_searched(turns: list[Turn]) -> str | None:
    """The last searched question that was about something in the sources, if any."""
    for turn in reversed(turns):
        if turn.answer.status in _TOPICAL:
            return turn.searched
    return None


def ask(assistant: Assistant, message: Any, turns: list[Turn]) -> list[Turn]:
    """The conversation with one more turn. Never raises: Assistant.answer() turns every problem
    (too long, unreadable, a failure) into an answer with a notice."""
    if is_empty(message):
        return list(turns)  # an empty box is not a question
    search = resolve_follow_up(message, previous_searched(turns)) if isinstance(message, str) else None
    asked = message if isinstance(message, str) else ""
    searched = search.searched if search else asked
    answer = assistant.answer(searched if isinstance(message, str) else message)
    return [*turns, Turn(asked=asked, searched=searched, answer=answer)]


def chat_messages(turns: list[Turn]) -> list[dict[str, str]]:
    """The conversation in gradio's message format; the user's own text is escaped too."""
    messages: list[dict[str, str]] = []
    for turn in turns:
        messages.append({"role": "user", "content": escape_markdown(turn.asked)})
        # The disclaimers folded to one line each; the full texts are in the fold and in every export.
        messages.append({"role": "assistant", "content": turn_markdown(turn, chat_answer)})
    return messages


def citation_value(turn_index: int, rank: int) -> str:
    return f"{turn_index}:{rank}"


def citation_choices(turns: list[Turn]) -> list[tuple[str, str]]:
    """(label, value) for every citation in the conversation, the latest answer's first."""
    choices = []
    for index in range(len(turns) - 1, -1, -1):
        for p in turns[index].answer.passages:
            outlet = p.publisher or p.kind or p.source_id
            label = f"Q{index + 1} [{p.rank}] {p.title} — {outlet}"
            choices.append((label if len(label) <= 110 else label[:107] + "…", citation_value(index, p.rank)))
    return choices


def tapped_citation(tap: str | None) -> str | None:
    """The citation value from a tap in an answer ("turn:rank|nonce"), or None for anything else."""
    value = (tap or "").split("|", 1)[0].strip()
    parts = value.split(":")
    return value if len(parts) == 2 and all(part.isdigit() for part in parts) else None


def latest_citation(turns: list[Turn]) -> str | None:
    """The first citation of the latest answer: the viewer opens it without a click."""
    if turns and turns[-1].answer.passages:
        return citation_value(len(turns) - 1, turns[-1].answer.passages[0].rank)
    return None


def show_citation(assistant: Assistant, choice: str | None, turns: list[Turn]) -> str:
    """The cited document as inert HTML with the quoted passage highlighted."""
    if not choice:
        return placeholder_html(VIEWER_HINT)
    try:
        turn_part, rank_part = str(choice).split(":")
        turn = turns[int(turn_part)]
        passage = next(p for p in turn.answer.passages if p.rank == int(rank_part))
        source = assistant.get_source(passage.source_id)
    except (ValueError, IndexError, StopIteration, KeyError):
        return placeholder_html("That citation is no longer available. Ask the question again to see its sources.")
    label = f"Quoted as [{passage.rank}] in answer {int(turn_part) + 1}"
    if source.text[passage.start : passage.end] != passage.text:
        # The index changed since the answer (a re-ingest): show the document, but highlight nothing wrong.
        return source_html(source, label=label + " (the document has changed since; the passage is not highlighted)")
    return source_html(source, passage.start, passage.end, label=label)


def api_answer(assistant: Assistant, question: str) -> dict[str, Any]:
    """The /ask endpoint: one question in, Answer.to_dict() out. Stateless: no follow-ups."""
    return assistant.answer(question).to_dict()
