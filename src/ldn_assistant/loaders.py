"""One loader per file format: bytes in, the document's visible text out.

The text a loader returns is what passage offsets point into, so it is produced once, here.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path


class LoadError(Exception):
    """A file that cannot be turned into text; the message is the reason shown to the user."""


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16/32 with a BOM, else Windows-1252/Latin-1."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(f"starts with a {encoding} byte-order mark but is not valid {encoding}") from exc
    if b"\x00" in data:
        raise LoadError("looks binary (contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def load_plain(data: bytes) -> str:
    text = decode_text(data)
    # Control characters other than tab and newlines mean this is not a text document.
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise LoadError("looks binary (contains control characters), not text")
    return text


# Elements whose content is never visible text.
_HIDDEN = {"script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object", "canvas", "button", "select", "option"}
# Page chrome: menus and footers are navigation, never evidence.
_CHROME = {"nav", "header", "footer", "aside", "form"}
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "figcaption",
    "figure",
    "hr",
    "td",
    "th",
}
_HEAD_CONTENT = {"title", "style", "script", "meta", "link", "base", "noscript", "template"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # The hidden region is counted by its own tag name only: HTML leaves <li> and <p> unclosed, and
        # counting every tag would let one unclosed tag inside a menu hide the rest of the page.
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag in _BLOCK:
                self.parts.append("\n")
            return
        hidden = tag in _HIDDEN or tag in _CHROME or any(k == "hidden" for k, _ in attrs) or any(k == "aria-hidden" and v == "true" for k, v in attrs)
        if self.skip_tag == "head" and tag not in _HEAD_CONTENT:  # </head> may be omitted; body content ends it
            self.skip_tag, self.skip_depth = None, 0
        if self.skip_tag is None and hidden:
            self.skip_tag, self.skip_depth = tag, 1
        elif tag == self.skip_tag:
            self.skip_depth += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID:
            return
        if tag == self.skip_tag:
            self.skip_depth -= 1
            if self.skip_depth == 0:
                self.skip_tag = None
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title and self.title is None and data.strip():
            self.title = " ".join(data.split())
        if self.skip_tag is None:
            self.parts.append(data)


def load_html(data: bytes) -> str:
    parser = _VisibleText()
    parser.feed(decode_text(data))
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    if parser.title and not text.startswith(parser.title):
        text = parser.title + "\n" + text
    return text


def load_pdf(data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pypdf raises many private types on corrupt input
        raise LoadError(f"not a readable PDF ({type(exc).__name__})") from exc
    # pypdf breaks lines inside paragraphs; join them back so sentences stay whole.
    text = "\n\n".join(re.sub(r"(?<=\S)[ \t]*\n(?=\S)", " ", page).strip() for page in pages)
    return text


LOADERS: dict[str, Callable[[bytes], str]] = {
    ".txt": load_plain,
    ".md": load_plain,
    ".markdown": load_plain,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load_file(path: Path, max_bytes: int) -> str:
    """Read and convert one file, or raise LoadError with the reason."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix or '(none)'}; supported: {', '.join(sorted(LOADERS))}")
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(f"is {size:,} bytes, over the {max_bytes:,}-byte limit (LDN_MAX_FILE_BYTES)")
    text = loader(path.read_bytes())
    if not text.strip():
        raise LoadError("has no text")
    return text
