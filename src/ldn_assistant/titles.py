"""A document's title when its metadata file gives none: what the document says its own title is.

In order: the HTML <title>, the PDF's title metadata, else the first heading line of the text. A
citation then names the document, not a file name such as "001_68e565978181d4a7.txt". Every
title comes from the document itself; none is made up.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

from .loaders import decode_text

# Longer than this, a line is a sentence of the text rather than its heading.
MAX_HEADING_CHARS = 150
# Section names that open many documents but name none of them ("Introduction" titles nothing).
_SECTION_NAMES = frozenset(
    {
        "abstract",
        "introduction",
        "background",
        "summary",
        "overview",
        "contents",
        "table of contents",
        "key points",
        "highlights",
        "preface",
        "foreword",
        "methods",
        "results",
        "discussion",
        "conclusion",
        "conclusions",
        "references",
        "menu",
        "home",
    }
)
# Only the opening of a document is searched: a heading far in is a section's, not the document's.
HEADING_SEARCH_CHARS = 3000
_LIST_ITEM = re.compile(r"^([-*•]|\d+[.)])\s")
# A dateline ("November 10, 2024", "2024-11-10") heads many posts and names none of them.
_DATELINE = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}\s+[a-z]+\.?\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})$",
    re.IGNORECASE,
)
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


class _TitleOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "title" and self.title is None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside and data.strip():
            self.title = " ".join(data.split())


def html_title(data: bytes) -> str | None:
    parser = _TitleOnly()
    try:
        parser.feed(decode_text(data))
        parser.close()
    except Exception:  # a page the loader could read but whose head is odd: no title, not a failure
        return None
    return parser.title


def pdf_title(data: bytes) -> str | None:
    try:
        from pypdf import PdfReader

        meta = PdfReader(io.BytesIO(data)).metadata
        title = meta.title if meta else None
    except Exception:  # pypdf raises many private types on odd metadata; the text was already read
        return None
    cleaned = " ".join(str(title).split()) if title else ""
    return cleaned or None


def _is_section_name(line: str) -> bool:
    return line.lower().strip(" :.") in _SECTION_NAMES


def heading_title(text: str) -> str | None:
    """The first line in the document's opening that reads as a heading: a Markdown heading, or a
    short line that is neither a sentence nor a list item, skipping generic section names."""
    for raw in text[:HEADING_SEARCH_CHARS].splitlines():
        line = raw.strip()
        heading = _MARKDOWN_HEADING.match(line)
        candidate = (heading.group(1) if heading else line).strip()
        if not candidate or _is_section_name(candidate) or _DATELINE.match(candidate):
            continue
        if not heading and (_LIST_ITEM.match(candidate) or len(candidate.split()) < 2):
            continue
        if heading or (len(candidate) <= MAX_HEADING_CHARS and not candidate.endswith((".", ":", ";", ","))):
            return candidate
    return None


def document_title(path: Path, data: bytes, text: str) -> str | None:
    """The title a document gives itself, or None."""
    suffix = path.suffix.lower()
    found = None
    if suffix in (".html", ".htm"):
        found = html_title(data)
    elif suffix == ".pdf":
        found = pdf_title(data)
    return found or heading_title(text)
