"""Write a SciFact run as report.json and report.md, with the published figures beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .scifact import ScifactRun
from .scifact_data import FULL_CORPUS_DOCS
from .scifact_systems import DESCRIPTIONS


@dataclass(frozen=True)
class PublishedFigure:
    """A published nDCG@10 on SciFact: full 5,183-abstract corpus, the 300 dev claims (BEIR 'test')."""

    system: str
    ndcg_at_10: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "ndcg@10": self.ndcg_at_10, "source": self.source}


# From ../shared/benchmarks/scifact/README.md (BEIR, Thakur et al. 2021, and later runs it cites).
PUBLISHED = (
    PublishedFigure("BM25 (Elasticsearch)", 0.665, "BEIR"),
    PublishedFigure("BM25 (Pyserini, flat)", 0.679, "Pyserini"),
    PublishedFigure("all-MiniLM-L6-v2", 0.645, "BEIR-toolkit run (MTEB-style runs up to 0.674)"),
    PublishedFigure("TAS-B", 0.643, "BEIR"),
    PublishedFigure("ColBERT", 0.671, "BEIR"),
    PublishedFigure("BM25 + cross-encoder re-ranking", 0.688, "BEIR"),
)


@dataclass(frozen=True)
class WrittenScifactReport:
    json: Path
    markdown: Path


def comparable(run: ScifactRun) -> bool:
    """The published figures are for the full corpus and every dev claim; only such a run matches them."""
    return run.options.split == "dev" and run.corpus.n_docs == FULL_CORPUS_DOCS and run.doc_claims == run.claims_in_split


def report_data(run: ScifactRun) -> dict[str, Any]:
    data = run.to_dict()
    data["published"] = {"comparable": comparable(run), "figures": [f.to_dict() for f in PUBLISHED]}
    return data


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def markdown(run: ScifactRun) -> str:
    """The report as Markdown: the run, one table of systems, the published figures, the method."""
    corpus = "the full corpus" if run.corpus.n_docs == FULL_CORPUS_DOCS else "a subset"
    lines = [
        f"# SciFact retrieval: {run.options.split} claims, {run.corpus.n_docs:,} abstracts ({corpus})",
        "",
        f"- finished {run.finished}; {run.seconds:.1f} s in all (corpus "
        f"{'reused' if run.corpus.reused else f'written in {run.corpus.seconds:.1f} s'}, ingest {run.ingest_seconds:.1f} s)",
        f"- corpus: {run.corpus.n_docs:,} abstracts, {run.passages:,} passages in the engine's index; "
        f"make_corpus.py --splits {','.join(run.corpus.spec.splits)} --n-docs {run.corpus.n_docs} --seed {run.corpus.spec.seed}",
        f"- claims: {run.claims_in_split} in the {run.options.split} split; {run.doc_claims} scored for documents "
        f"(their cited abstracts are all in the corpus), {run.evidence_claims} of them with rationale sentences"
        + (f" (first {run.options.max_claims} only)" if run.options.max_claims else ""),
        f"- embedder: {run.embedding_model}, shared by every system; {run.options.depth} passages retrieved per claim",
        "",
        "| system | nDCG@10 | recall@10 | rationale hit@1 | rationale hit@3 | ms / claim | build s | short rankings |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in run.systems:
        per_claim = 1000 * s.seconds / len(s.claims) if s.claims else 0.0
        lines.append(
            f"| {s.system} | {_fmt(s.ndcg_at_10)} | {_fmt(s.recall_at_10)} | {_fmt(s.rationale_hit(1))} | "
            f"{_fmt(s.rationale_hit(3))} | {per_claim:.1f} | {s.build_seconds:.1f} | {s.short_rankings} |"
        )
    intervals = [(s.system, s.rationale_hit(3), s.rationale_hit_interval(3)) for s in run.systems]
    lines += [
        "",
        "Rationale hit@3 with its 95% interval (Wilson, over the claims with rationale sentences): "
        + "; ".join(f"{name} {_fmt(hit)} ({interval})" for name, hit, interval in intervals if interval)
        + ".",
    ]
    lines += _apart_from_train_table(run)
    lines += ["", "Systems (times are wall clock on this machine, whatever else it was running):", ""]
    lines += [f"- **{s.system}**: {DESCRIPTIONS[s.system]}" for s in run.systems]
    verdict = (
        "This run is comparable: full corpus, every dev claim."
        if comparable(run)
        else "Not directly comparable with this run: they are for the full corpus and all 300 dev claims; a subset has fewer distractors, so it scores higher."
    )
    lines += ["", "## Published figures (nDCG@10, full corpus, 300 dev claims)", "", verdict, "", "| system | nDCG@10 | source |", "|---|---|---|"]
    lines += [f"| {f.system} | {f.ndcg_at_10:.3f} | {f.source} |" for f in PUBLISHED]
    lines += [
        "",
        "## Method",
        "",
        "- nDCG@10 and recall@10 follow BEIR: passages become documents in rank order (each abstract at its best passage),",
        "  the abstracts a claim cites are its relevant documents, gains are binary; averaged over the claims scored for documents.",
        "- Rationale hit@k: one of the claim's gold rationale sentences lies, whitespace-normalised, inside one of the first k",
        "  passages; averaged over the claims with rationale sentences. The engine's passages hold at most 600 characters, the",
        "  naive pipeline's chunks up to 1,000, so the naive pipeline has more text per rank for this measure.",
        "- Short rankings: claims whose retrieved passages held fewer than 10 distinct abstracts (they can lose nDCG@10).",
        "- Tune on train claims only; dev claims are the held-out split.",
        "",
    ]
    return "\n".join(lines)


def _apart_from_train_table(run: ScifactRun) -> list[str]:
    """The same measures over the claims whose abstracts no train claim cites, and over the others (not for train)."""
    apart = run.apart_from_train()
    if apart is None:
        return []
    rows = apart["systems"]
    n_new, n_others = (rows[0][group]["claims"] if rows else 0 for group in ("new_abstracts", "others"))
    lines = [
        "",
        f"Apart: the {n_new} claims citing no abstract that a train claim cites, and the {n_others} citing at least one. A",
        "method fitted on the train claims could gain on the latter by remembering which abstracts get cited; here it would show.",
        "",
        "| system | claims | nDCG@10 | recall@10 | rationale hit@1 | rationale hit@3 |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        for group, label in (("new_abstracts", "no abstract train cites"), ("others", "an abstract train cites")):
            q = row[group]
            lines.append(
                f"| {row['system']} | {label} ({q['claims']}, {q['claims_with_evidence']} with rationales) | {_fmt(q['ndcg@10'])} | "
                f"{_fmt(q['recall@10'])} | {_fmt(q['rationale_hit@1'])} | {_fmt(q['rationale_hit@3'])} |"
            )
    return lines


def write_report(run: ScifactRun, report_dir: Path) -> WrittenScifactReport:
    """report.json (summary, per-claim scores, published figures) and report.md in report_dir."""
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = report_dir / "report.json", report_dir / "report.md"
    json_path.write_text(json.dumps(report_data(run), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(run), encoding="utf-8")
    return WrittenScifactReport(json_path, md_path)
