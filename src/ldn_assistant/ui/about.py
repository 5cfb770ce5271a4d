"""The About tab shows the one About page of the package (ldn_assistant/about.py), which the CLI's
`about` command and Assistant.about() print too."""

from __future__ import annotations

from ..about import NOT_STATED, about_markdown, corpus_markdown, eval_markdown, validation_markdown

__all__ = ["NOT_STATED", "about_markdown", "corpus_markdown", "eval_markdown", "validation_markdown"]
