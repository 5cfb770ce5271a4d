"""The fixed disclaimers (and the evidence status beside them) as the chat page shows them: a one-line
summary each, the full text one click away (an HTML <details>), so ~2,000 characters of warnings do
not bury every answer.

Two are never folded: the opioid warning when the question names an opioid (it is read first, in
full), and the emergency notice (render.py prints it in full as the answer's notice). Everything
that leaves the page (the API, exports, the copy button's source text) keeps the full texts: the
full text sits inside the fold, and Answer.markdown is untouched.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ..domains import load_profile
from ..render import MARKDOWN, always_read, answer_markdown
from ..safety import OPIOID_WARNING
from .source_view import inert

if TYPE_CHECKING:
    from ..types import Answer

_PROFILE = load_profile("ldn")


def _fills(template: str, text: str) -> bool:
    """Is `text` the profile's `template`, with any placeholder it still has ({corpus} of the evidence
    status, which the index fills in) filled with anything?"""
    pieces = re.split(r"\{\w+\}", template)
    return re.fullmatch("(.+?)".join(map(re.escape, pieces)), text, re.DOTALL) is not None


def summary(text: str) -> str:
    """The profile's one-line summary of a fixed text (`NAME_summary`), else its first sentence."""
    for name, full in _PROFILE.texts.items():
        if f"{name}_summary" in _PROFILE.texts and _fills(full, text):
            return _PROFILE.text(f"{name}_summary")
    return text.split(". ", 1)[0].rstrip(".") + "."


def folded(text: str) -> str:
    """One disclaimer folded: the summary shows, a click opens the full text. Our own fixed texts,
    escaped anyway so a future wording with < or & cannot become markup."""
    return f"<details class='ldn-fold'><summary>{inert(summary(text))} <span class='ldn-more'>Full text</span></summary><p>{inert(text)}</p></details>"


def chat_disclaimers(answer: Answer) -> str:
    """An answer's disclaimer block for the chat, the evidence status with it: folded, except an opioid
    warning that must come first."""
    parts = []
    for text in always_read(answer):
        if answer.opioid_warning_first and text == OPIOID_WARNING:
            parts.append(f"- {text}")
        else:
            parts.append(folded(text))
    # Blank lines between blocks: Markdown reads each <details> as its own HTML block.
    return "\n\n".join(parts)


CHAT = replace(MARKDOWN, disclaimers=chat_disclaimers)


def chat_answer(answer: Answer) -> str:
    """The answer as the chat shows it: Answer.markdown's layout and words, disclaimers folded."""
    return answer_markdown(answer, CHAT)


def banner_html(texts: tuple[str, ...]) -> str:
    """The page's standing warnings: each folded to one line, the full text a click away."""
    inner = "".join(f"<div class='ldn-warn ldn-warn-{index}'>{folded(text)}</div>" for index, text in enumerate(texts))
    # Side by side on a wide screen, each as wide as its summary is long, so all wrap to the same few
    # lines and the banner is as short as it can be (equal columns left the longest a line taller);
    # theme.py stacks them on narrow screens. The +12 is the "Full text" link.
    columns = " ".join(f"{len(summary(text)) + 12}fr" for text in texts)
    return f"<section class='ldn-disclaimers' aria-label='Warnings' style='grid-template-columns: {columns}'>{inner}</section>"
