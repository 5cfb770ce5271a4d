"""ldn-assistant: answers about low dose naltrexone for chronic pain, only as cited verbatim quotes.

Importing this package stays light: torch, chromadb and gradio load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .safety import DISCLAIMERS, FDA_STATUS, OPIOID_WARNING, QuestionError
from .settings import Settings
from .types import Answer, CitedPassage, IngestReport, Passage, Source, SourceMetadata

if TYPE_CHECKING:
    from .assistant import Assistant

__all__ = [
    "Answer",
    "Assistant",
    "CitedPassage",
    "DISCLAIMERS",
    "FDA_STATUS",
    "IngestReport",
    "OPIOID_WARNING",
    "Passage",
    "QuestionError",
    "Settings",
    "Source",
    "SourceMetadata",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Assistant pulls in numpy and scipy; load it when it is first named.
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'ldn_assistant' has no attribute {name!r}")
