"""Sort a document's lines into headings, body text and page furniture.

Furniture (menus, "Related Posts", form-error strings, comment prompts, reference lists, captions)
is kept in the source text, so offsets stay exact, but is never offered as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

LineKind = Literal["blank", "heading", "body", "furniture"]


@dataclass(frozen=True)
class Line:
    start: int  # offset of the first visible character
    end: int  # offset just after the last visible character
    kind: LineKind
    bullet: bool


_BULLET = re.compile(r"^\s*(?:[•·▪◦‣∙*+–-]|\d{1,2}[.)])\s+")
_SEPARATOR_ONLY = re.compile(r"^\s*[•·▪◦*+-]?\s*[|»›/>·•]*\s*$")
_JSON_LIKE = re.compile(r"^\s*[\[{].*[\]}]\s*$")
# Everything after one of these headings is back matter: references, related links, the author box.
_BACK_MATTER = re.compile(
    r"^\s*(references?|bibliography|works cited|sources|citations|related (posts|articles|stories|reading)|"
    r"you (may|might) also like|read next|more from|about the author|comments?|leave a (reply|comment))\s*:?\s*$",
    re.IGNORECASE,
)
# One-word back-matter headings, matched on their letters with one letter lost: text taken from a web
# page or PDF often drops or splits a letter ("REFERE CES"). Only a lost letter counts, not any near
# word: "Preferences" is as near to "references" by edit ratio, and is a different heading.
_BACK_MATTER_WORDS = ("references", "bibliography", "sources", "citations", "comments")


def _is_back_matter(line: str) -> bool:
    if _BACK_MATTER.match(line):
        return True
    if len(line.split()) > 2:
        return False
    letters = re.sub(r"[^a-z]", "", line.lower())
    return any(len(w) >= 7 and letters in {w[:i] + w[i + 1 :] for i in range(len(w))} for w in _BACK_MATTER_WORDS)


_FURNITURE_LINE = re.compile(
    r"^\s*(join the conversation|share this|share on|subscribe|sign up|log ?in|skip to content|advertisement|"
    r"click here|print this|tweet|photo (courtesy|credit|by)|image (courtesy|credit|by)|read more about|"
    r"posted (in|by|on)|tags?:|categor(y|ies):|copyright|©|all rights reserved)",
    re.IGNORECASE,
)
_COMMENT_PROMPT = re.compile(r"let us know in the comments|leave a comment|share your (story|experience)s? (below|in the comments)", re.IGNORECASE)
_NAV_WORDS = {"home", "blog", "about", "contact", "menu", "search", "news", "services", "resources", "login"}
_SENTENCE_END = re.compile(r"[.!?:;][\"”’')\]]*$")


def _is_heading(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 14 or len(text) > 110:
        return False
    # A short line that does not end like a sentence reads as a heading; a short question too.
    return not _SENTENCE_END.search(text) or (text.endswith("?") and len(words) <= 10)


def classify_lines(text: str) -> list[Line]:
    """Every non-empty line of the text with its offsets and kind."""
    raw: list[tuple[int, int, str]] = []
    pos = 0
    for chunk in text.splitlines(keepends=True):
        body = chunk.rstrip("\r\n")
        stripped_left = len(body) - len(body.lstrip())
        visible = body.strip()
        if visible:
            start = pos + stripped_left
            raw.append((start, start + len(visible), visible))
        pos += len(chunk)

    lines: list[Line] = []
    back_matter = False
    for start, end, visible in raw:
        bullet = bool(_BULLET.match(visible))
        if back_matter:
            kind: LineKind = "furniture"
        elif _is_back_matter(visible):
            back_matter = True
            kind = "furniture"
        elif _JSON_LIKE.match(visible) or _FURNITURE_LINE.match(visible) or _COMMENT_PROMPT.search(visible):
            kind = "furniture"
        elif _SEPARATOR_ONLY.match(visible):
            kind = "furniture"
        elif not bullet and _is_heading(visible):
            kind = "heading"
        else:
            kind = "body"
        lines.append(Line(start, end, kind, bullet))
    _mark_navigation(lines, text)
    return lines


def _mark_navigation(lines: list[Line], text: str) -> None:
    """A run of bullet lines that holds a bare separator or a menu word is a menu."""
    i = 0
    while i < len(lines):
        if not lines[i].bullet and not _SEPARATOR_ONLY.match(text[lines[i].start : lines[i].end]):
            i += 1
            continue
        j = i
        while j < len(lines) and (lines[j].bullet or _SEPARATOR_ONLY.match(text[lines[j].start : lines[j].end])):
            j += 1
        run = [text[line.start : line.end] for line in lines[i:j]]
        menu = any(_SEPARATOR_ONLY.match(r) for r in run) or any(_BULLET.sub("", r).strip().lower() in _NAV_WORDS for r in run)
        if menu:
            for k in range(i, j):
                lines[k] = Line(lines[k].start, lines[k].end, "furniture", lines[k].bullet)
        i = max(j, i + 1)
