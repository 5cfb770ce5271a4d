"""The assistant's hybrid retrieval as a LangChain retriever, so LangChain apps can use it as is.

Documents come from `Assistant.ask`, so they carry everything an answer does: triage (emergencies,
off-topic questions and instructions return no documents), the evidence gate (a question the
sources do not address returns no documents) and verbatim passages with their citations.

    from ldn_assistant import Assistant
    from ldn_assistant.langchain_retriever import LDNRetriever

    retriever = LDNRetriever(assistant=Assistant.from_settings(), k=3)
    docs = retriever.invoke("What dose of LDN is used for fibromyalgia?")

`page_content` is the exact text of the source at `metadata["start"]:metadata["end"]`. An app that
needs to tell "no evidence" from "out of scope" or "emergency" calls `retrieve()`, which returns the
Answer (status, notice, fixed disclaimers) beside the documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from .assistant import Assistant
from .types import Answer, CitedPassage

# The citation fields copied from each quoted passage into Document.metadata.
CITATION_FIELDS: tuple[str, ...] = (
    "source_id",
    "title",
    "publisher",
    "author",
    "date",
    "kind",
    "url",
    "start",
    "end",
    "score",
    "rank",
)


def passage_document(passage: CitedPassage, answer: Answer) -> Document:
    """One quoted passage as a LangChain Document: verbatim text, its citation, and the answer's status."""
    metadata: dict[str, Any] = {name: getattr(passage, name) for name in CITATION_FIELDS}
    metadata["status"] = answer.status
    return Document(page_content=passage.text, metadata=metadata)


@dataclass(frozen=True)
class RetrieverResult:
    """The full answer (status, notice, disclaimers) and the documents a LangChain app receives."""

    answer: Answer
    documents: list[Document]


class LDNRetriever(BaseRetriever):
    """Hybrid (dense + lexical) retrieval over the LDN corpus, with the assistant's safety rules.

    `k` caps the documents returned; an answer never holds more than the assistant's
    `settings.top_k` passages, so k above that returns at most top_k.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Assistant = Field(description="The ldn_assistant.Assistant that answers the queries.")
    k: int = Field(5, ge=1, description="Most documents returned for one query.")

    def retrieve(self, query: str) -> RetrieverResult:
        """The Answer and its documents. Raises ValueError for a query that cannot be read (empty, NUL, ...)."""
        answer = self.assistant.ask(query)
        if answer.status != "answered":
            return RetrieverResult(answer, [])
        return RetrieverResult(answer, [passage_document(p, answer) for p in answer.passages[: self.k]])

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        # The assistant is thread-safe and fast; LangChain's default async path runs this in an executor.
        return self.retrieve(query).documents


def as_retriever(assistant: Assistant, k: int = 5) -> LDNRetriever:
    """Shorthand: `as_retriever(Assistant.from_settings(), k=3)`."""
    return LDNRetriever(assistant=assistant, k=k)
