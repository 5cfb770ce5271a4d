"""What the corpus is made of, in plain words: how many documents, of which kinds, from which years.

Computed from the documents' metadata at ingest and stored in the manifest, so the evidence-status
text every answer carries, and the About page, stay true when documents are added or removed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from .types import Source

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# Said in the evidence-status text when the index cannot be read (an emergency is answered even then).
UNKNOWN_CORPUS = "the curated sources (their kinds and dates could not be read just now)"
_MOST_KINDS = 8  # a longer list is cut with "and N other kinds": a disclaimer must stay readable


@dataclass(frozen=True)
class CorpusBasis:
    documents: int
    kinds: tuple[tuple[str, int], ...]  # (kind of source, documents), most common first; "" = not stated
    dated: int  # documents whose metadata gives a year
    first_year: int | None
    last_year: int | None

    @classmethod
    def from_sources(cls, sources: Iterable[Source]) -> "CorpusBasis":
        sources = list(sources)
        kinds = Counter((s.metadata.kind or "").strip() for s in sources)
        years = [int(m.group(1)) for s in sources if s.metadata.date and (m := _YEAR.search(s.metadata.date))]
        ordered = tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0] == "", kv[0].lower())))
        return cls(len(sources), ordered, len(years), min(years, default=None), max(years, default=None))

    def describe(self) -> str:
        """'5 documents: 1 clinic/blog article, ...; dated 2022 to 2024 where a date is given (3 of 5 give none)'."""
        if not self.documents:
            return "no documents (the index is empty)"
        stated = [(k, n) for k, n in self.kinds if k]
        unknown = sum(n for k, n in self.kinds if not k)
        parts = [f"{n} {k}" for k, n in stated[:_MOST_KINDS]]
        rest = sum(n for _, n in stated[_MOST_KINDS:])
        if rest:
            parts.append(f"{rest} of {len(stated) - _MOST_KINDS} other kinds")
        if unknown:
            parts.append(f"{unknown} of no stated kind")
        noun = "document" if self.documents == 1 else "documents"
        text = f"{self.documents} {noun} ({', '.join(parts)})"
        if not self.dated:
            return text + "; none states a date"
        span = str(self.first_year) if self.first_year == self.last_year else f"{self.first_year} to {self.last_year}"
        undated = self.documents - self.dated
        return text + f", dated {span}" + (f" ({undated} of {self.documents} state no date)" if undated else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "kinds": [{"kind": k or None, "documents": n} for k, n in self.kinds],
            "dated": self.dated,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "description": self.describe(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CorpusBasis":
        kinds = tuple((k["kind"] or "", int(k["documents"])) for k in data["kinds"])
        return cls(int(data["documents"]), kinds, int(data["dated"]), data.get("first_year"), data.get("last_year"))
