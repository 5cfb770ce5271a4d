"""SciFact metrics: document nDCG@k and recall@k by the BEIR protocol, and rationale-sentence hit@k.

Pure functions over plain values, so each one can be checked by hand.

BEIR scores documents, while the engines rank passages: a ranking of passages becomes a ranking of
documents by keeping each document at the rank of its best passage (its first appearance). Gains
are binary: a document is relevant when the claim cites it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from .metrics import contains_evidence

DOC_CUTOFF = 10  # nDCG@10 and recall@10, as BEIR reports SciFact


def doc_id(source_id: str) -> str:
    """The SciFact abstract id of a corpus file: its stem ('docs/4983.txt' and '4983.txt' -> '4983')."""
    return PurePosixPath(source_id).stem


def distinct_documents(source_ids: Iterable[str]) -> list[str]:
    """Document ids in rank order, each at its first appearance."""
    return list(dict.fromkeys(doc_id(s) for s in source_ids))


def document_ndcg(ranked_docs: Sequence[str], relevant: Iterable[str], k: int = DOC_CUTOFF) -> float:
    """Binary-gain nDCG@k over distinct documents, as pytrec_eval's ndcg_cut computes it for BEIR.

    DCG sums 1/log2(rank+1) over relevant documents in the first k; the ideal ranking puts
    min(|relevant|, k) relevant documents first. 0.0 for a claim with no relevant document.
    """
    wanted = set(relevant)
    ideal = min(len(wanted), k)
    if ideal == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, d in enumerate(ranked_docs[:k], start=1) if d in wanted)
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal + 1))
    return dcg / idcg


def document_recall(ranked_docs: Sequence[str], relevant: Iterable[str], k: int = DOC_CUTOFF) -> float:
    """The share of relevant documents among the first k (BEIR's recall@k: denominator |relevant|)."""
    wanted = set(relevant)
    if not wanted:
        return 0.0
    return len(wanted & set(ranked_docs[:k])) / len(wanted)


def rationale_hits(passages: Sequence[str], evidence: Sequence[str]) -> list[bool]:
    """Per passage, in rank order: does it contain a gold rationale sentence (whitespace-normalised)?"""
    return [contains_evidence(text, evidence) for text in passages]


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first passage holding a rationale sentence; None when none does."""
    for rank, hit in enumerate(hits, start=1):
        if hit:
            return rank
    return None


def mean(values: Sequence[float]) -> float | None:
    """The average; None for no values, so an empty group is reported as n/a rather than 0."""
    return sum(values) / len(values) if values else None
