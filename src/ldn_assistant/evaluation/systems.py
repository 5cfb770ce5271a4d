"""The systems compared side by side: the product, two retrieval ablations, and a naive LangChain RAG.

Each system answers a question with a status, ranked passages (with offsets into the corpus) and
disclaimers, so one set of metrics fits them all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..product import NAME as PRODUCT  # the product is one of the systems compared, under its own name

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..retrieval import HybridRetriever
    from ..types import Answer

NAIVE = "naive-langchain"
DENSE_ONLY = "dense-only"
BM25_ONLY = "bm25-only"
SYSTEM_NAMES: tuple[str, ...] = (PRODUCT, NAIVE, DENSE_ONLY, BM25_ONLY)

DESCRIPTIONS = {
    PRODUCT: "the product: Assistant.ask (validation, layered triage, profile glosses, hybrid dense + BM25 retrieval, evidence gate)",
    NAIVE: "LangChain baseline: RecursiveCharacterTextSplitter (1000/200) + Chroma, dense top k, always answers, no disclaimers",
    DENSE_ONLY: "ablation: the product with the BM25 side switched off (lexical_weight=0); same triage and evidence gate",
    BM25_ONLY: "ablation: the product with the dense side switched off (dense_weight=0); same triage and evidence gate",
}


@dataclass(frozen=True)
class ShownPassage:
    """A passage a system returned, with where it claims to come from."""

    source_id: str
    start: int
    end: int
    text: str
    title: str | None = None  # the title the citation shows; None when the system shows none


@dataclass(frozen=True)
class SystemAnswer:
    status: str
    passages: tuple[ShownPassage, ...]
    disclaimers: tuple[str, ...]


class System(Protocol):
    name: str

    def answer(self, question: str) -> SystemAnswer: ...


def from_answer(answer: Answer) -> SystemAnswer:
    """The product's Answer in the common shape."""
    passages = tuple(ShownPassage(p.source_id, p.start, p.end, p.text, p.title) for p in answer.passages)
    return SystemAnswer(answer.status, passages, tuple(answer.disclaimers))


class ProductSystem:
    """The assistant exactly as users get it, through the public ask()."""

    def __init__(self, assistant: Assistant, name: str = PRODUCT) -> None:
        self.assistant = assistant
        self.name = name

    def answer(self, question: str) -> SystemAnswer:
        try:
            return from_answer(self.assistant.ask(question))
        except ValueError:
            # An unreadable question: answer() gives the error status the UI would show.
            return from_answer(self.assistant.answer(question))


def _ablated_assistant(base: Assistant, dense_weight: float, lexical_weight: float) -> Assistant:
    """An Assistant over the same index and embedder whose retriever has one side switched off.

    Everything else (validation, triage, evidence gate, composition) is the product's own code, so
    an ablation measures the retriever alone. The retriever is a copy of the product's, so any
    setting the product's retriever carries is kept.
    """
    from ..assistant import Assistant

    retriever: HybridRetriever = copy.copy(base.retriever)
    retriever.dense_weight = dense_weight
    retriever.lexical_weight = lexical_weight

    class AblatedAssistant(Assistant):
        @property
        def retriever(self) -> HybridRetriever:
            return retriever

    return AblatedAssistant(base.settings, embedder=base.embedder, index=base.index)


def build_systems(assistant: Assistant, names: tuple[str, ...] = SYSTEM_NAMES, log: Callable[[str], None] | None = None) -> list[System]:
    """The named systems, all over the assistant's corpus and its one loaded embedder."""
    unknown = [n for n in names if n not in SYSTEM_NAMES]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEM_NAMES)}")
    systems: list[System] = []
    for name in names:
        if name == PRODUCT:
            systems.append(ProductSystem(assistant))
        elif name == DENSE_ONLY:
            systems.append(ProductSystem(_ablated_assistant(assistant, 1.0, 0.0), DENSE_ONLY))
        elif name == BM25_ONLY:
            systems.append(ProductSystem(_ablated_assistant(assistant, 0.0, 1.0), BM25_ONLY))
        elif name == NAIVE:
            from .naive import NaiveLangChainRAG

            if log:
                log("building the naive LangChain baseline (split, embed, Chroma in memory)")
            systems.append(NaiveLangChainRAG(assistant.sources(), assistant.embedder, k=assistant.settings.top_k))
    return systems
