"""Warm query latency: ask() against the floor (one query embedding + one vector search) and the naive pipeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bench_stats import Spread, rotated, timed

WARM_UP_QUESTION = "What is low dose naltrexone?"


@dataclass(frozen=True)
class QueryResult:
    questions: int
    rounds: int
    ask_ms: Spread
    floor_ms: Spread
    naive_ms: Spread | None
    samples: dict[str, list[float]]  # every timing, for the plots
    extra_ms: dict[str, Spread] = field(default_factory=dict)  # the extra contenders, by name


def benchmark_questions(evals_file: Path, limit: int | None = None) -> list[str]:
    """The user_input of every answered case in an eval suite: fixed, varied, and real phrasing."""
    questions = []
    for line in Path(evals_file).read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            if case.get("expected_status") == "answered":
                questions.append(case["user_input"])
    return questions[:limit] if limit else questions


def floor_query(assistant: Any) -> Callable[[str], Any]:
    """What no retrieval can avoid: embed the question once, search the vector collection once (k = candidates)."""
    collection = assistant.index.store.collection
    embedder, k = assistant.embedder, assistant.settings.candidates

    def run(question: str) -> Any:
        return collection.query(query_embeddings=[embedder.embed_query(question)], n_results=k, include=["distances"])

    return run


def measure_queries(
    assistant: Any,
    questions: list[str],
    rounds: int,
    naive: Any = None,
    step: Callable[[], None] = lambda: None,
    extra: dict[str, Callable[[str], Any]] | None = None,
) -> QueryResult:
    """Each question is timed under every contender back to back, the order rotating from one question to the next.

    `extra` adds contenders by name (the other embedding backends' ask() and embed_query), timed in the same turns."""
    contenders: dict[str, Callable[[str], Any]] = {"floor": floor_query(assistant), "ask": assistant.ask}
    if naive is not None:
        contenders["naive"] = naive.search
    contenders.update(extra or {})
    assistant.warm_up()
    for run in contenders.values():  # first calls pay one-off costs (caches, lazy imports): not a warm query
        run(WARM_UP_QUESTION)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    turn = 0
    for _ in range(rounds):
        for question in questions:
            for name in rotated(list(contenders), turn):
                samples[name].append(1000 * timed(lambda: contenders[name](question)))  # noqa: B023 (timed() calls it at once, in this iteration)
            turn += 1
            step()
    return QueryResult(
        questions=len(questions),
        rounds=rounds,
        ask_ms=Spread.of(samples["ask"]),
        floor_ms=Spread.of(samples["floor"]),
        naive_ms=Spread.of(samples["naive"]) if "naive" in samples else None,
        samples=samples,
        extra_ms={name: Spread.of(samples[name]) for name in extra or {}},
    )
