"""Typed, immutable results passed between the modules and returned to callers."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, Literal

Status = Literal["answered", "no_evidence", "out_of_scope", "emergency", "error"]
STATUSES: tuple[str, ...] = ("answered", "no_evidence", "out_of_scope", "emergency", "error")

METADATA_FIELDS: tuple[str, ...] = ("title", "publisher", "author", "date", "kind", "url")


def content_hash(text: str) -> str:
    """A stable identity for a piece of text: same text, same hash, on any machine."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SourceMetadata:
    """What is known about a document; unknown fields stay None, never guessed. A title the metadata
    file does not give is the one the document gives itself, if any (corpus.py, titles.py)."""

    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    kind: str | None = None
    url: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceMetadata:
        unknown = set(data) - set(METADATA_FIELDS)
        if unknown:
            raise ValueError(f"unknown metadata field(s): {', '.join(sorted(unknown))}; allowed: {', '.join(METADATA_FIELDS)}")
        values = {}
        for name in METADATA_FIELDS:
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"metadata field {name!r} must be a string or null, got {type(value).__name__}")
            values[name] = value.strip() or None if isinstance(value, str) else None
        return cls(**values)


@dataclass(frozen=True)
class Source:
    """A loaded document. `text` is what every passage offset points into."""

    source_id: str
    path: str
    text: str
    metadata: SourceMetadata
    content_hash: str

    @property
    def title(self) -> str:
        return self.metadata.title or self.source_id

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "path": self.path,
            "text": self.text,
            "content_hash": self.content_hash,
            **asdict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        meta = {k: data.get(k) for k in METADATA_FIELDS}
        return cls(
            source_id=data["source_id"],
            path=data["path"],
            text=data["text"],
            metadata=SourceMetadata.from_dict(meta),
            content_hash=data["content_hash"],
        )


@dataclass(frozen=True)
class Passage:
    """A span of a source: `source.text[start:end] == text`, always."""

    passage_id: str
    source_id: str
    start: int
    end: int
    text: str
    heading: str | None = None  # nearest heading above, used only to give the embedder context

    @staticmethod
    def make_id(source_hash: str, start: int, end: int) -> str:
        return hashlib.sha256(f"{source_hash}:{start}:{end}".encode()).hexdigest()[:24]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        values: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls)}
        return cls(**values)


@dataclass(frozen=True)
class CitedPassage:
    """A passage as shown in an answer: the verbatim text with its citation."""

    rank: int
    text: str
    source_id: str
    title: str
    publisher: str | None
    author: str | None
    date: str | None
    kind: str | None
    url: str | None
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CitedPassage:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class ConflictValue:
    """One stated value in a quote: `quote.text[start:end] == text`, always."""

    rank: int  # the quote it is in
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConflictValue:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class Conflict:
    """Quotes of one answer that state different values for the same thing (conflicts.py finds them)."""

    kind: str  # what the values are: "year", "dose", "percentage", "price or cost"
    values: tuple[ConflictValue, ...]

    @property
    def note(self) -> str:
        """'Sources differ on the year: [1] 1960s; [2] 1965.' Values are quoted as written, grouped by quote."""
        by_quote: dict[int, list[str]] = {}
        for v in self.values:
            if v.text not in by_quote.setdefault(v.rank, []):
                by_quote[v.rank].append(v.text)
        parts = "; ".join(f"[{rank}] {', '.join(texts)}" for rank, texts in by_quote.items())
        return f"Sources differ on the {self.kind}: {parts}."

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "note": self.note, "values": [v.to_dict() for v in self.values]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conflict:
        return cls(kind=data["kind"], values=tuple(ConflictValue.from_dict(v) for v in data["values"]))


@dataclass(frozen=True)
class Answer:
    """Everything the assistant says to one question. Only quotes, notices and fixed disclaimers."""

    question: str
    status: Status
    notice: str | None
    passages: tuple[CitedPassage, ...]
    disclaimers: tuple[str, ...]
    opioid_warning_first: bool = False
    # The soft tier of triage: a question near a danger (suicidal thoughts as a side effect, overdose
    # risk) gets its answer with the crisis resources on top. None when it does not apply.
    crisis_note: str | None = None
    # Where the quotes disagree on a value (conflicts.py); empty when they agree or state none.
    conflicts: tuple[Conflict, ...] = ()
    # What kind of evidence the sources are (the profile's text with the corpus's kinds and dates,
    # filled in at ingest). Rendered among the disclaimers; None for a profile without one.
    evidence_status: str | None = None

    @property
    def markdown(self) -> str:
        from .render import answer_markdown  # rendering is its own module; imported late to keep types a leaf

        return answer_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "status": self.status,
            "notice": self.notice,
            "crisis_note": self.crisis_note,
            "passages": [p.to_dict() for p in self.passages],
            "disclaimers": list(self.disclaimers),
            "evidence_status": self.evidence_status,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "opioid_warning_first": self.opioid_warning_first,
            "markdown": self.markdown,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        from .safety import mentions_opioid

        return cls(
            question=data["question"],
            status=data["status"],
            notice=data.get("notice"),
            passages=tuple(CitedPassage.from_dict(p) for p in data.get("passages", [])),
            disclaimers=tuple(data["disclaimers"]),
            # The profile that answered decided this; a dict written before the key existed falls
            # back to the LDN profile's opioid names, the only profile of that time.
            opioid_warning_first=bool(data.get("opioid_warning_first", mentions_opioid(data["question"]))),
            crisis_note=data.get("crisis_note"),
            conflicts=tuple(Conflict.from_dict(c) for c in data.get("conflicts", [])),
            evidence_status=data.get("evidence_status"),
        )


class ProblemKind(StrEnum):
    """Why a corpus file could not be used, as a type: ingest decides on it, never on a message's wording."""

    UNSUPPORTED = "unsupported"  # a file type no loader reads
    UNREADABLE = "unreadable"  # a loader or the OS failed on it: binary, too large, bad metadata, no permission
    DUPLICATE = "duplicate"  # the same text as a file loaded before it


@dataclass(frozen=True)
class FileProblem:
    """A corpus file that could not be used, and why (reason for people, kind for code)."""

    path: str
    reason: str
    kind: ProblemKind


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[FileProblem, ...] = ()
    without_metadata: tuple[str, ...] = ()  # indexed, but with no metadata file: title, outlet, date unknown
    passages: int = 0
    passages_embedded: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.skipped

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(p) for p in self.skipped]
        return data
