"""Answer -> text: numbered quotes, a source list, and the fixed disclaimers.

One layout, three styles: Markdown (Answer.markdown, the API and exports), plain text (the CLI in a
terminal, where Markdown escapes are noise), and the chat UI's (Markdown with the disclaimers folded
to one-line summaries, ui/disclaimers.py). The order and the words are the same in all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .safety import OPIOID_HEADING

if TYPE_CHECKING:
    from .types import Answer, CitedPassage

STATUS_LABELS = {
    "answered": "Quoted from the sources",
    "no_evidence": "No evidence in the sources",
    "out_of_scope": "Out of scope",
    "emergency": "Emergency",
    "error": "Error",
}


def escape_markdown(text: str) -> str:
    """Show source text as text: no Markdown or HTML in a document is ever interpreted."""
    out = []
    for ch in text:
        if ch in "\\`*_{}[]()<>#+-!|~":
            out.append("\\" + ch)
        elif ch == "&":
            out.append("&amp;")
        else:
            out.append(ch)
    return "".join(out)


def _bold(text: str) -> str:
    return f"**{text}**"


def _italic(text: str) -> str:
    return f"*{text}*"


def _same(text: str) -> str:
    return text


def disclaimer_list(answer: "Answer") -> str:
    """Every fixed disclaimer in full, one list item each."""
    return "\n".join(f"- {d}" for d in answer.disclaimers)


@dataclass(frozen=True)
class Style:
    """How one output marks text up. `disclaimers` renders an answer's whole disclaimer block."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    disclaimers: Callable[["Answer"], str] = disclaimer_list


MARKDOWN = Style(escape_markdown, _bold, _italic)
# For a terminal: the source's own characters, no escapes; quotes keep their "> " so they stand out.
PLAIN = Style(_same, _same, _same)


def citation_line(p: "CitedPassage", style: Style = MARKDOWN) -> str:
    """Title, outlet, author, date, kind, and where in the document the quote is."""
    esc = style.escape
    parts = [style.italic(esc(p.title))]
    parts += [esc(v) for v in (p.publisher, p.author, p.date, p.kind) if v]
    if p.url:
        parts.append(esc(p.url))
    parts.append(f"characters {p.start}–{p.end} of {esc(p.source_id)}")
    return " · ".join(parts)


def short_citation(p: "CitedPassage", style: Style = MARKDOWN) -> str:
    """Title, outlet and date: enough to weigh a quote at a glance."""
    parts = [style.italic(style.escape(p.title))] + [style.escape(v) for v in (p.publisher, p.date) if v]
    return ", ".join(parts)


def _quote(text: str, style: Style) -> str:
    return "\n".join("> " + (style.escape(line) if line.strip() else "") for line in text.splitlines())


def answer_markdown(answer: "Answer", style: Style = MARKDOWN) -> str:
    """The answer in `style` (Markdown unless told otherwise)."""
    bold = style.bold
    blocks: list[str] = [bold(STATUS_LABELS.get(answer.status, answer.status))]
    disclaimers = style.disclaimers(answer)
    if answer.crisis_note:  # the soft tier: crisis resources before anything else
        blocks.append(bold(answer.crisis_note))
    if answer.status == "emergency" and answer.notice:
        blocks.append(bold(answer.notice))
    if answer.opioid_warning_first:
        blocks.append(f"{bold(OPIOID_HEADING)}\n\n{disclaimers}")
    if answer.notice and answer.status != "emergency":
        blocks.append(answer.notice)
    # Each quote carries its citation right under it, so the reader never scrolls to learn who said it.
    for p in answer.passages:
        blocks.append(f"{bold(f'[{p.rank}]')}\n{_quote(p.text, style)}\n\n— {short_citation(p, style)}")
    if answer.passages:
        lines = [f"[{p.rank}] {citation_line(p, style)}" for p in answer.passages]
        blocks.append(bold("Sources") + "\n\n" + "\n".join(f"- {line}" for line in lines))
    if not answer.opioid_warning_first:
        blocks.append(bold("Always read") + "\n\n" + disclaimers)
    return "\n\n".join(blocks)


def answer_text(answer: "Answer") -> str:
    """The answer as plain text for a terminal: the same words as the Markdown, no escapes."""
    return answer_markdown(answer, PLAIN)
