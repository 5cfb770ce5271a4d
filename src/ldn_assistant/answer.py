"""Turn a triaged question and its retrieved passages into an Answer. Nothing here writes a claim:
an answer holds quotes, a fixed notice, and the fixed disclaimers of the domain profile."""

from __future__ import annotations

from typing import Callable, Sequence

from .basis import UNKNOWN_CORPUS
from .conflicts import ConflictFinder
from .domains import DomainProfile, load_profile
from .retrieval import Retrieved
from .types import Answer, CitedPassage, Conflict, Source, Status


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


class Composer:
    """Builds every Answer of one profile, so every path carries the same disclaimers."""

    def __init__(self, profile: DomainProfile, evidence_status: Callable[[], str | None] | None = None) -> None:
        self.profile = profile
        # Asked on every answer: the text names the corpus as indexed now, which an ingest may change.
        self.evidence_status = evidence_status or (lambda: profile.evidence_status(UNKNOWN_CORPUS))

    def make(
        self,
        question: str,
        status: Status,
        notice: str | None = None,
        passages: tuple[CitedPassage, ...] = (),
        crisis_note: bool = False,
        conflicts: tuple[Conflict, ...] = (),
    ) -> Answer:
        """The one constructor every path goes through."""
        note = self.profile.text("crisis_note") if crisis_note and status != "emergency" else ""
        return Answer(
            question=question,
            status=status,
            notice=notice,
            passages=passages,
            disclaimers=self.profile.disclaimers,
            opioid_warning_first=self.profile.mentions("opioid", question),
            crisis_note=note or None,
            conflicts=conflicts,
            evidence_status=self.evidence_status(),
        )

    def answered(
        self,
        question: str,
        results: Sequence[Retrieved],
        sources: dict[str, Source],
        crisis_note: bool = False,
        finder: ConflictFinder | None = None,
    ) -> Answer:
        passages = cite(results, sources)
        conflicts = finder.find(question, passages) if finder is not None else ()
        return self.make(question, "answered", None, passages, crisis_note, conflicts)

    def no_evidence(self, question: str, crisis_note: bool = False) -> Answer:
        return self.make(question, "no_evidence", self.profile.text("no_evidence_notice"), crisis_note=crisis_note)

    def out_of_scope(self, question: str, instruction: bool = False) -> Answer:
        return self.make(question, "out_of_scope", self.profile.text("instruction_notice" if instruction else "out_of_scope_notice"))

    def emergency(self, question: str) -> Answer:
        return self.make(question, "emergency", self.profile.text("emergency_notice"))

    def error(self, question: str, notice: str | None = None) -> Answer:
        return self.make(question, "error", notice or self.profile.text("error_notice"))


def make_answer(question: str, status: Status, notice: str | None = None, passages: tuple[CitedPassage, ...] = ()) -> Answer:
    """An answer under the LDN profile (for callers without an Assistant, such as UI tests)."""
    return Composer(load_profile("ldn")).make(question, status, notice, passages)
