"""SciFact as an evaluation suite of the bare retrieval engine (domain="none").

One run: write (or reuse) the corpus with the benchmark's make_corpus.py, ingest it into an index of
its own, then rank every scorable claim of one split with each system, all sharing one loaded
embedder: the engine (hybrid dense + BM25, through Assistant.retrieve), its BM25-only and dense-only
sides, and the naive LangChain pipeline. Scores: document nDCG@10 and recall@10 (BEIR protocol) over
the claims whose cited abstracts are in the corpus, rationale-sentence hit@1 and hit@3 over the
claims with evidence. Data in scifact_data, systems in scifact_systems, metrics in scifact_metrics,
the report in scifact_report.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .scifact_data import BuiltCorpus, Claim, CorpusSpec, abstracts_cited_by, build_corpus, find_benchmark_dir, load_claims, scorable
from .scifact_metrics import DOC_CUTOFF, distinct_documents, document_ndcg, document_recall, first_hit_rank, mean, rationale_hits
from .scifact_systems import DESCRIPTIONS, SCIFACT_SYSTEMS, RankedPassage, build_rankers
from .significance import Interval, wilson_interval

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..embeddings import Embedder

# Passages retrieved per claim. Abstracts split into a few passages each, so 100 passages give well
# over the 10 distinct documents nDCG@10 needs; short rankings are counted in the report.
DEFAULT_DEPTH = 100
DEFAULT_CACHE = Path("reports/scifact")


@dataclass(frozen=True)
class ClaimScore:
    """One system on one claim."""

    claim_id: str
    ndcg_at_10: float
    recall_at_10: float
    top_docs: tuple[str, ...]  # the first 10 distinct documents, best first
    distinct_docs: int  # distinct documents among all passages retrieved
    rationale_rank: int | None  # first passage holding a gold rationale sentence; None if none (or no evidence)
    has_evidence: bool

    def rationale_hit(self, k: int) -> float:
        return 1.0 if self.rationale_rank is not None and self.rationale_rank <= k else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_claim(claim: Claim, passages: Sequence[RankedPassage]) -> ClaimScore:
    """Document metrics over distinct documents in rank order; rationale rank over passages."""
    docs = distinct_documents(p.source_id for p in passages)
    rank = first_hit_rank(rationale_hits([p.text for p in passages], claim.evidence)) if claim.evidence else None
    return ClaimScore(
        claim_id=claim.id,
        ndcg_at_10=document_ndcg(docs, claim.relevant_docs),
        recall_at_10=document_recall(docs, claim.relevant_docs),
        top_docs=tuple(docs[:DOC_CUTOFF]),
        distinct_docs=len(docs),
        rationale_rank=rank,
        has_evidence=bool(claim.evidence),
    )


@dataclass(frozen=True)
class SystemScores:
    """One system over the run's claims: the averages, and the per-claim scores behind them."""

    system: str
    claims: tuple[ClaimScore, ...]
    seconds: float  # ranking every claim, after the system was built
    build_seconds: float = 0.0  # building the system (the naive pipeline embeds its own chunks)

    @property
    def ndcg_at_10(self) -> float | None:
        return self.quality()["ndcg@10"]

    @property
    def recall_at_10(self) -> float | None:
        return self.quality()["recall@10"]

    def rationale_hit(self, k: int) -> float | None:
        return mean([c.rationale_hit(k) for c in self.claims if c.has_evidence])

    def rationale_hit_interval(self, k: int) -> Interval | None:
        """A 95% interval (Wilson) for rationale hit@k: dev has 188 claims with rationales, so one claim is 0.5 points."""
        with_evidence = [c for c in self.claims if c.has_evidence]
        return wilson_interval(sum(c.rationale_hit(k) == 1.0 for c in with_evidence), len(with_evidence)) if with_evidence else None

    @property
    def short_rankings(self) -> int:
        """Claims whose retrieved passages held fewer than 10 distinct documents."""
        return sum(c.distinct_docs < DOC_CUTOFF for c in self.claims)

    def quality(self, only: frozenset[str] | None = None) -> dict[str, Any]:
        """The four measures and how many claims each averages over: over every claim, or over the claims whose ids
        are in `only` (rationale hits over those with evidence)."""
        claims = self.claims if only is None else tuple(c for c in self.claims if c.claim_id in only)
        with_evidence = [c for c in claims if c.has_evidence]
        return {
            "ndcg@10": mean([c.ndcg_at_10 for c in claims]),
            "recall@10": mean([c.recall_at_10 for c in claims]),
            "rationale_hit@1": mean([c.rationale_hit(1) for c in with_evidence]),
            "rationale_hit@3": mean([c.rationale_hit(3) for c in with_evidence]),
            "claims": len(claims),
            "claims_with_evidence": len(with_evidence),
        }

    def summary(self) -> dict[str, Any]:
        return {
            **self.quality(),
            "short_rankings": self.short_rankings,
            "seconds": round(self.seconds, 2),
            "build_seconds": round(self.build_seconds, 2),
            "ms_per_claim": round(1000 * self.seconds / len(self.claims), 2) if self.claims else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, **self.summary(), "per_claim": [c.to_dict() for c in self.claims]}


@dataclass(frozen=True)
class ScifactOptions:
    """What to run. max_claims keeps the first N scorable claims (file order), for quick runs."""

    split: str = "dev"
    corpus: CorpusSpec = field(default_factory=CorpusSpec)
    max_claims: int | None = None
    depth: int = DEFAULT_DEPTH
    systems: tuple[str, ...] = SCIFACT_SYSTEMS
    benchmark_dir: Path | None = None  # None: find it (see find_benchmark_dir)
    cache_dir: Path = DEFAULT_CACHE  # corpus and index folders, reused between runs

    @property
    def name(self) -> str:
        """The report folder's name, e.g. 'dev-1200', 'train-full', 'dev-1200-max20'."""
        return f"{self.split}-{self.corpus.name}" + (f"-max{self.max_claims}" if self.max_claims else "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(benchmark_dir=str(self.benchmark_dir) if self.benchmark_dir else None, cache_dir=str(self.cache_dir))
        return data


@dataclass(frozen=True)
class ScifactRun:
    """Everything one run measured, ready for the report."""

    options: ScifactOptions
    corpus: BuiltCorpus
    claims_in_split: int
    doc_claims: int  # scored for nDCG/recall
    evidence_claims: int  # scored for rationale hits
    passages: int  # passages in the engine's index
    ingest_seconds: float
    embedding_model: str
    systems: tuple[SystemScores, ...]
    seconds: float
    finished: str  # UTC time stamp
    # The scored claims citing no abstract that any train claim cites; None for a train run. 196 of the 300 dev claims
    # cite an abstract that a train claim cites, so a method fitted on the train claims could gain on dev by
    # remembering which abstracts get cited, a gain no new collection would give; scored apart, such a gain shows.
    new_abstract_claims: frozenset[str] | None = None

    def apart_from_train(self) -> dict[str, Any] | None:
        """Each system's measures over the new-abstract claims and over the others (None for a train run)."""
        if self.new_abstract_claims is None:
            return None
        new = self.new_abstract_claims
        others = frozenset(c.claim_id for c in self.systems[0].claims) - new if self.systems else frozenset()
        return {
            "new_abstract_claims": sorted(new),
            "systems": [{"system": s.system, "new_abstracts": s.quality(new), "others": s.quality(others)} for s in self.systems],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": "scifact",
            "name": self.options.name,
            "options": self.options.to_dict(),
            "corpus": self.corpus.to_dict(),
            "claims_in_split": self.claims_in_split,
            "doc_claims": self.doc_claims,
            "evidence_claims": self.evidence_claims,
            "passages": self.passages,
            "ingest_seconds": round(self.ingest_seconds, 2),
            "embedding_model": self.embedding_model,
            "descriptions": {s.system: DESCRIPTIONS[s.system] for s in self.systems},
            "systems": [s.to_dict() for s in self.systems],
            "apart_from_train": self.apart_from_train(),
            "seconds": round(self.seconds, 2),
            "finished": self.finished,
        }


def open_engine(corpus: BuiltCorpus, index_dir: Path, embedder: Embedder | None) -> tuple[Assistant, float]:
    """The bare engine over the corpus, its index brought up to date (incremental: quick when it is)."""
    from ..assistant import Assistant
    from ..settings import Settings

    settings = Settings(corpus_dir=corpus.docs_dir, index_dir=index_dir, domain="none")
    assistant = Assistant(settings, embedder=embedder)
    started = time.perf_counter()
    report = assistant.ingest()
    if report.skipped:  # every abstract is plain text; a skipped one would silently shrink the corpus
        raise RuntimeError(f"ingest skipped {len(report.skipped)} SciFact file(s): {report.skipped[0]}")
    return assistant, time.perf_counter() - started


def run_scifact(
    options: ScifactOptions,
    embedder: Embedder | None = None,
    log: Callable[[str], None] | None = None,
    progress: bool = False,
) -> ScifactRun:
    """Build or reuse the corpus and index, rank the split's claims with every system, score them."""
    from tqdm import tqdm

    say = log or (lambda msg: None)
    started = time.perf_counter()
    bench_dir = find_benchmark_dir(options.benchmark_dir)
    corpus = build_corpus(options.corpus, bench_dir, options.cache_dir)
    say(f"corpus: {corpus.n_docs} abstracts in {corpus.docs_dir} ({'reused' if corpus.reused else f'written in {corpus.seconds:.1f}s'})")
    all_claims = load_claims(bench_dir, corpus, options.split)
    doc_ids = {p.stem for p in corpus.docs_dir.glob("*.txt")}
    claims = scorable(all_claims, doc_ids)[: options.max_claims]
    # Read before any ranking: a missing or broken train file should stop the run now, not after it.
    new_abstracts = new_abstract_claims(bench_dir, claims) if options.split != "train" else None

    say(f"ingesting into {options.cache_dir / f'index-{corpus.spec.name}'} (domain none; incremental)")
    assistant, ingest_seconds = open_engine(corpus, options.cache_dir / f"index-{corpus.spec.name}", embedder)
    assistant.embedder.embed_query("warm up")  # load the model before any system is timed

    results = []
    for ranker, build_seconds in build_rankers(assistant, options.systems, options.depth, say):
        t0 = time.perf_counter()
        scores = []
        try:
            # disable=None: a bar on a terminal, silence where stderr is not one (CI logs, nohup).
            for claim in tqdm(claims, desc=ranker.name, unit="claim", file=sys.stderr, disable=None if progress else True):
                scores.append(score_claim(claim, ranker.rank(claim.text, options.depth)))
        finally:
            close = getattr(ranker, "close", None)
            if close:
                close()
        results.append(SystemScores(ranker.name, tuple(scores), time.perf_counter() - t0, build_seconds))

    return ScifactRun(
        options=options,
        corpus=corpus,
        claims_in_split=len(all_claims),
        doc_claims=len(claims),
        evidence_claims=sum(bool(c.evidence) for c in claims),
        passages=len(assistant.index.snapshot.passages),
        ingest_seconds=ingest_seconds,
        embedding_model=assistant.settings.embedding_model,
        systems=tuple(results),
        seconds=time.perf_counter() - started,
        finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        new_abstract_claims=new_abstracts,
    )


def new_abstract_claims(benchmark_dir: Path, claims: Sequence[Claim]) -> frozenset[str]:
    """The claims none of whose cited abstracts a train claim cites."""
    seen = abstracts_cited_by(benchmark_dir, "train")
    return frozenset(c.id for c in claims if not seen.intersection(c.relevant_docs))
