"""The systems SciFact compares, as rankers: a claim in, passages (source id + text) out, best first.

The engine and its two ablations go through Assistant.retrieve (no triage, no gate: a benchmark of
retrieval); the naive LangChain pipeline through its own answer(). All share one loaded embedder.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .systems import BM25_ONLY, DENSE_ONLY, NAIVE, PRODUCT

if TYPE_CHECKING:
    from ..assistant import Assistant

SCIFACT_SYSTEMS: tuple[str, ...] = (PRODUCT, BM25_ONLY, DENSE_ONLY, NAIVE)
DESCRIPTIONS = {
    PRODUCT: "the bare engine (domain none): hybrid dense sentence vectors + BM25, through Assistant.retrieve",
    BM25_ONLY: "the engine with the dense side off (dense_weight=0)",
    DENSE_ONLY: "the engine with the BM25 side off (lexical_weight=0)",
    NAIVE: "LangChain baseline: RecursiveCharacterTextSplitter (1000/200) + Chroma, dense top k",
}


@dataclass(frozen=True)
class RankedPassage:
    """What the metrics need from a retrieved passage: where it comes from and its text."""

    source_id: str
    text: str


class Ranker(Protocol):
    name: str

    def rank(self, text: str, k: int) -> Sequence[RankedPassage]: ...


class RetrieveRanker:
    """An Assistant (the engine or one of its ablations) through its retrieve()."""

    def __init__(self, assistant: Assistant, name: str) -> None:
        self.assistant, self.name = assistant, name

    def rank(self, text: str, k: int) -> Sequence[RankedPassage]:
        return [RankedPassage(p.source_id, p.text) for p in self.assistant.retrieve(text, k=k)]


class NaiveRanker:
    """The naive LangChain pipeline, built with k = the depth the run ranks to."""

    name = NAIVE

    def __init__(self, assistant: Assistant, depth: int) -> None:
        from .naive import NaiveLangChainRAG

        self.pipeline = NaiveLangChainRAG(assistant.sources(), assistant.embedder, k=depth)

    def rank(self, text: str, k: int) -> Sequence[RankedPassage]:
        return [RankedPassage(p.source_id, p.text) for p in self.pipeline.answer(text).passages[:k]]

    def close(self) -> None:
        self.pipeline.close()


def build_rankers(assistant: Assistant, names: Sequence[str], depth: int, log: Callable[[str], None]) -> list[tuple[Ranker, float]]:
    """Each named system over the assistant's index and embedder, with the seconds it took to build."""
    from .systems import _ablated_assistant

    built: list[tuple[Ranker, float]] = []
    for name in names:
        started = time.perf_counter()
        if name == PRODUCT:
            ranker: Ranker = RetrieveRanker(assistant, PRODUCT)
        elif name == BM25_ONLY:
            ranker = RetrieveRanker(_ablated_assistant(assistant, 0.0, 1.0), BM25_ONLY)
        elif name == DENSE_ONLY:
            ranker = RetrieveRanker(_ablated_assistant(assistant, 1.0, 0.0), DENSE_ONLY)
        elif name == NAIVE:
            log("building the naive LangChain baseline (split, embed, Chroma in memory)")
            ranker = NaiveRanker(assistant, depth)
        else:
            raise ValueError(f"unknown system {name!r}; choose from {', '.join(SCIFACT_SYSTEMS)}")
        built.append((ranker, time.perf_counter() - started))
    return built
