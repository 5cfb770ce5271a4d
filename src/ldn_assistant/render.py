"""Answer -> text: where the sources differ, numbered quotes tagged with their source, a source list,
and the fixed disclaimers with the evidence status.

One layout, three styles: Markdown (Answer.markdown, the API and exports), plain text (the CLI in a
terminal, where Markdown escapes are noise), and the chat UI's (Markdown with the disclaimers folded
to one-line summaries, ui/disclaimers.py). The order and the words are the same in all three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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


def _code(text: str) -> str:
    # A code span shows its text literally (nothing in it is Markdown or HTML); only a backtick could end it.
    return "`" + text.replace("`", "'") + "`"


def always_read(answer: Answer) -> list[str]:
    """The texts every answer carries: the fixed disclaimers, then the evidence status (what kind of
    evidence the quotes are), which stands among them."""
    return [*answer.disclaimers, *([answer.evidence_status] if answer.evidence_status else [])]


def disclaimer_list(answer: Answer) -> str:
    """Every fixed disclaimer and the evidence status in full, one list item each."""
    return "\n".join(f"- {d}" for d in always_read(answer))


@dataclass(frozen=True)
class Style:
    """How one output marks text up. `tag` sets a quote's source tag apart (a badge in the chat);
    `disclaimers` renders an answer's whole disclaimer block."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    tag: Callable[[str], str]
    disclaimers: Callable[[Answer], str] = disclaimer_list


MARKDOWN = Style(escape_markdown, _bold, _italic, _code)
# For a terminal: the source's own characters, no escapes; quotes keep their "> " so they stand out.
PLAIN = Style(_same, _same, _same, _same)


def citation_line(p: CitedPassage, style: Style = MARKDOWN) -> str:
    """Title, outlet, author, date, kind, and where in the document the quote is."""
    esc = style.escape
    parts = [style.italic(esc(p.title))]
    parts += [esc(v) for v in (p.publisher, p.author, p.date, p.kind) if v]
    if p.url:
        parts.append(esc(p.url))
    parts.append(f"characters {p.start}–{p.end} of {esc(p.source_id)}")
    return " · ".join(parts)


def short_citation(p: CitedPassage, style: Style = MARKDOWN) -> str:
    """Title, outlet and date: enough to weigh a quote at a glance."""
    parts = [style.italic(style.escape(p.title))] + [style.escape(v) for v in (p.publisher, p.date) if v]
    return ", ".join(parts)


def source_letters(passages: tuple[CitedPassage, ...]) -> dict[str, str]:
    """A letter per source, in order of first quote: quotes from one source share a letter."""
    letters: dict[str, str] = {}
    for p in passages:
        if p.source_id not in letters:
            n = len(letters)
            letters[p.source_id] = chr(ord("A") + n) if n < 26 else f"S{n + 1}"
    return letters


def source_tag(p: CitedPassage, letter: str, style: Style = MARKDOWN) -> str:
    """The tag beside a quote's number: which source (by letter), its kind and its date."""
    parts = [f"Source {letter}", p.kind or "kind not stated", p.date or "date not stated"]
    return style.tag(" · ".join(" ".join(v.split()) for v in parts))


def _quote(text: str, style: Style) -> str:
    return "\n".join("> " + (style.escape(line) if line.strip() else "") for line in text.splitlines())


def answer_markdown(answer: Answer, style: Style = MARKDOWN) -> str:
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
    if answer.conflicts:  # before the quotes, so they are read knowing the sources disagree
        notes = "\n".join(f"- {style.escape(c.note)}" for c in answer.conflicts)
        blocks.append(bold("Where the sources differ") + "\n\n" + notes)
    # Each quote carries its citation right under it, so the reader never scrolls to learn who said it.
    letters = source_letters(answer.passages)
    for p in answer.passages:
        tag = source_tag(p, letters[p.source_id], style)
        blocks.append(f"{bold(f'[{p.rank}]')} {tag}\n{_quote(p.text, style)}\n\n— {short_citation(p, style)}")
    if answer.passages:
        lines = [f"[{p.rank}] {citation_line(p, style)}" for p in answer.passages]
        blocks.append(bold("Sources") + "\n\n" + "\n".join(f"- {line}" for line in lines))
    if not answer.opioid_warning_first:
        blocks.append(bold("Always read") + "\n\n" + disclaimers)
    return "\n\n".join(blocks)


def answer_text(answer: Answer) -> str:
    """The answer as plain text for a terminal: the same words as the Markdown, no escapes."""
    return answer_markdown(answer, PLAIN)
