"""What the chat UI does, as plain functions over a list of turns: no gradio here, so each step can
be called and tested directly. The gradio wiring in app.py only moves values in and out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..render import escape_markdown
from .conversation import Turn, turn_markdown
from .followup import resolve_follow_up
from .source_view import placeholder_html, source_html

if TYPE_CHECKING:
    from ..assistant import Assistant

log = logging.getLogger("ldn_assistant.ui")

# Answers whose question can give a follow-up its subject; an emergency or a refusal cannot.
_TOPICAL = ("answered", "no_evidence")

VIEWER_HINT = "Choose a citation above to read the quoted passage in its whole document."


def previous_searched(turns: list[Turn]) -> str | None:
    """The last searched question that was about something in the sources, if any."""
    for turn in reversed(turns):
        if turn.answer.status in _TOPICAL:
            return turn.searched
    return None


def ask(assistant: Assistant, message: Any, turns: list[Turn]) -> list[Turn]:
    """The conversation with one more turn. Never raises: Assistant.answer() turns every problem
    (too long, unreadable, a failure) into an answer with a notice."""
    if isinstance(message, str) and not message.strip():
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
        messages.append({"role": "assistant", "content": turn_markdown(turn)})
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
