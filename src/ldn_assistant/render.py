"""Answer -> Markdown: where the sources differ, numbered quotes tagged with their source, a source list,
and the fixed disclaimers with the evidence status."""

from __future__ import annotations

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


def citation_line(p: CitedPassage) -> str:
    """Title, outlet, author, date, kind, and where in the document the quote is."""
    parts = [f"*{escape_markdown(p.title)}*"]
    parts += [escape_markdown(v) for v in (p.publisher, p.author, p.date, p.kind) if v]
    if p.url:
        parts.append(escape_markdown(p.url))
    parts.append(f"characters {p.start}–{p.end} of {escape_markdown(p.source_id)}")
    return " · ".join(parts)


def short_citation(p: CitedPassage) -> str:
    """Title, outlet and date: enough to weigh a quote at a glance."""
    parts = [f"*{escape_markdown(p.title)}*"] + [escape_markdown(v) for v in (p.publisher, p.date) if v]
    return ", ".join(parts)


def source_letters(passages: tuple[CitedPassage, ...]) -> dict[str, str]:
    """A letter per source, in order of first quote: quotes from one source share a letter."""
    letters: dict[str, str] = {}
    for p in passages:
        if p.source_id not in letters:
            n = len(letters)
            letters[p.source_id] = chr(ord("A") + n) if n < 26 else f"S{n + 1}"
    return letters


def source_tag(p: CitedPassage, letter: str) -> str:
    """The badge under a quote's number: which source (by letter), its kind and its date."""
    parts = [f"Source {letter}", p.kind or "kind not stated", p.date or "date not stated"]
    # A code span shows its text literally (nothing in it is Markdown or HTML); only a backtick could end it.
    return "`" + " · ".join(" ".join(v.replace("`", "'").split()) for v in parts) + "`"


def _quote(text: str) -> str:
    return "\n".join("> " + (escape_markdown(line) if line.strip() else "") for line in text.splitlines())


def answer_markdown(answer: Answer) -> str:
    blocks: list[str] = [f"**{STATUS_LABELS.get(answer.status, answer.status)}**"]
    # The evidence status stands among the fixed disclaimers: what kind of evidence the quotes are.
    always = [*answer.disclaimers, *([answer.evidence_status] if answer.evidence_status else [])]
    disclaimers = "\n".join(f"- {d}" for d in always)
    if answer.crisis_note:  # the soft tier: crisis resources before anything else
        blocks.append(f"**{answer.crisis_note}**")
    if answer.status == "emergency" and answer.notice:
        blocks.append(f"**{answer.notice}**")
    if answer.opioid_warning_first:
        blocks.append(f"**{OPIOID_HEADING}**\n\n{disclaimers}")
    if answer.notice and answer.status != "emergency":
        blocks.append(answer.notice)
    if answer.conflicts:  # before the quotes, so they are read knowing the sources disagree
        blocks.append("**Where the sources differ**\n\n" + "\n".join(f"- {escape_markdown(c.note)}" for c in answer.conflicts))
    # Each quote carries its citation right under it, so the reader never scrolls to learn who said it.
    letters = source_letters(answer.passages)
    for p in answer.passages:
        blocks.append(f"**[{p.rank}]** {source_tag(p, letters[p.source_id])}\n{_quote(p.text)}\n\n— {short_citation(p)}")
    if answer.passages:
        lines = [f"[{p.rank}] {citation_line(p)}" for p in answer.passages]
        blocks.append("**Sources**\n\n" + "\n".join(f"- {line}" for line in lines))
    if not answer.opioid_warning_first:
        blocks.append("**Always read**\n\n" + disclaimers)
    return "\n\n".join(blocks)
