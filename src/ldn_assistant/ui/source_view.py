"""A whole source document as inert HTML, with one quoted passage highlighted.

Every piece of document text and metadata goes through `inert()`, so markup in a document
(`<script>`, `<img onerror=...>`) shows as the characters it is and never runs.
"""

from __future__ import annotations

import html

from ..types import Source

# Besides html.escape's five, the characters template engines read as syntax ("${...}", "{{...}}"):
# as character references they look the same on screen but are plain text to any template layer.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;", "\\": "&#92;"})

HIGHLIGHT_ID = "ldn-quote"

_META_LABELS = (("publisher", "Outlet"), ("author", "Author"), ("date", "Date"), ("kind", "Kind of source"), ("url", "Address"))


def inert(text: str | None) -> str:
    """Text that a browser (and any template layer on the way) shows as text, never as markup."""
    return html.escape(text or "", quote=True).translate(_TEMPLATE_CHARS)


def _metadata_html(source: Source) -> str:
    rows = [f"<dt>{label}</dt><dd>{inert(getattr(source.metadata, key))}</dd>" for key, label in _META_LABELS if getattr(source.metadata, key)]
    rows.append(f"<dt>File</dt><dd>{inert(source.source_id)}</dd>")
    return "<dl class='ldn-meta'>" + "".join(rows) + "</dl>"


def source_html(source: Source, start: int | None = None, end: int | None = None, label: str = "") -> str:
    """The document with its metadata; characters start..end (a citation's offsets) highlighted."""
    text = source.text
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = (
            inert(text[:start])
            + f"<mark id='{HIGHLIGHT_ID}' data-quote='{inert(source.source_id)}:{start}-{end}'>"
            + inert(text[start:end])
            + "</mark>"
            + inert(text[end:])
        )
        where = f"Highlighted: characters {start:,}–{end:,} of {len(text):,}"
    else:
        body, where = inert(text), f"{len(text):,} characters"
    caption = f"<p class='ldn-cited-as'>{inert(label)}</p>" if label else ""
    return (
        "<div class='ldn-source'>"
        f"<h3 class='ldn-source-title'>{inert(source.title)}</h3>"
        f"{caption}{_metadata_html(source)}"
        f"<p class='ldn-where'>{where}</p>"
        f"<div class='ldn-doc' tabindex='0'>{body}</div>"
        "</div>"
    )


def placeholder_html(message: str) -> str:
    """The viewer before any citation is chosen, or when one cannot be shown."""
    return f"<div class='ldn-source ldn-empty'><p>{inert(message)}</p></div>"
