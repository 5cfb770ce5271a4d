"""Turn a triaged question and its retrieved passages into an Answer. Nothing here writes a claim:
an answer holds quotes, a fixed notice, and the fixed disclaimers."""

from __future__ import annotations

from typing import Sequence

from .retrieval import Retrieved
from .safety import (
    DISCLAIMERS,
    EMERGENCY_NOTICE,
    ERROR_NOTICE,
    INSTRUCTION_NOTICE,
    NO_EVIDENCE_NOTICE,
    OUT_OF_SCOPE_NOTICE,
    mentions_opioid,
)
from .types import Answer, CitedPassage, Source, Status


def cite(results: Sequence[Retrieved], sources: dict[str, Source]) -> tuple[CitedPassage, ...]:
    cited = []
    for rank, r in enumerate(results, start=1):
        p = r.passage
        meta = sources[p.source_id].metadata
        cited.append(
            CitedPassage(
                rank=rank,
                text=p.text,
                source_id=p.source_id,
                title=sources[p.source_id].title,
                publisher=meta.publisher,
                author=meta.author,
                date=meta.date,
                kind=meta.kind,
                url=meta.url,
                start=p.start,
                end=p.end,
                score=round(r.score, 6),
            )
        )
    return tuple(cited)


def make_answer(question: str, status: Status, notice: str | None = None, passages: tuple[CitedPassage, ...] = ()) -> Answer:
    """The one constructor every path goes through, so every answer carries the same disclaimers."""
    return Answer(
        question=question,
        status=status,
        notice=notice,
        passages=passages,
        disclaimers=DISCLAIMERS,
        opioid_warning_first=mentions_opioid(question),
    )


def answered(question: str, results: Sequence[Retrieved], sources: dict[str, Source]) -> Answer:
    return make_answer(question, "answered", None, cite(results, sources))


def no_evidence(question: str) -> Answer:
    return make_answer(question, "no_evidence", NO_EVIDENCE_NOTICE)


def out_of_scope(question: str, instruction: bool = False) -> Answer:
    return make_answer(question, "out_of_scope", INSTRUCTION_NOTICE if instruction else OUT_OF_SCOPE_NOTICE)


def emergency(question: str) -> Answer:
    return make_answer(question, "emergency", EMERGENCY_NOTICE)


def error(question: str, notice: str = ERROR_NOTICE) -> Answer:
    return make_answer(question, "error", notice)
