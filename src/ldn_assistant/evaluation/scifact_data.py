"""SciFact data for the retrieval benchmark: where the release lives, the corpus folder, the claims.

The corpus is written by the benchmark's own `make_corpus.py` (one plain-text file per abstract),
never by code of ours, so the documents the engine indexes are exactly the ones the benchmark's
README describes. It is cached: a folder whose manifest records the same arguments is reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SCIFACT_DIR_ENV = "LDN_SCIFACT_DIR"
FULL_CORPUS_DOCS = 5183
SPLITS = ("dev", "train")  # the test claims carry no public labels
# Repo root when the package runs from a source checkout (src/ldn_assistant/evaluation/this file).
_REPO_ROOT = Path(__file__).resolve().parents[3]
_RELATIVE = Path("..") / "shared" / "benchmarks" / "scifact"


class ScifactDataError(RuntimeError):
    """The release files cannot be found or the corpus cannot be built; the message says what to do."""


def find_benchmark_dir(override: Path | None = None) -> Path:
    """The folder holding the SciFact release files and make_corpus.py.

    An explicit override (CLI option, then $LDN_SCIFACT_DIR) wins; otherwise ../shared/benchmarks/scifact
    beside the repository, looked up from the working directory and then from this source checkout.
    """
    explicit = override or (Path(os.environ[SCIFACT_DIR_ENV]) if os.environ.get(SCIFACT_DIR_ENV) else None)
    candidates = [explicit] if explicit else [Path.cwd() / _RELATIVE, _REPO_ROOT / _RELATIVE]
    for folder in candidates:
        if (folder / "make_corpus.py").is_file():
            return folder.resolve()
    tried = ", ".join(str(c) for c in candidates)
    raise ScifactDataError(f"no SciFact release (make_corpus.py) in {tried}; set ${SCIFACT_DIR_ENV} or pass --scifact-dir")


@dataclass(frozen=True)
class CorpusSpec:
    """Which subset make_corpus.py writes. n_docs=None means the full 5,183-abstract corpus.

    Both splits by default, so one corpus (and one index) serves the train and the dev claims alike.
    """

    n_docs: int | None = 1200
    splits: tuple[str, ...] = SPLITS
    seed: int = 13

    @property
    def name(self) -> str:
        """A folder-friendly label: '1200', 'full', 'dev-200'."""
        size = "full" if self.n_docs is None else str(self.n_docs)
        return size if tuple(self.splits) == SPLITS else f"{'-'.join(self.splits)}-{size}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BuiltCorpus:
    """A written corpus folder: docs/ (what is indexed), questions.jsonl, manifest.json."""

    root: Path
    spec: CorpusSpec
    n_docs: int
    seconds: float  # 0 when the cached folder was reused
    reused: bool

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    def to_dict(self) -> dict[str, Any]:
        return {"root": str(self.root), "spec": self.spec.to_dict(), "n_docs": self.n_docs, "seconds": round(self.seconds, 2), "reused": self.reused}


def _cached(root: Path, spec: CorpusSpec, n_docs: int) -> bool:
    """The folder holds a complete corpus written with these arguments."""
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    args = manifest.get("args", {})
    wanted = {"splits": list(spec.splits), "n_docs": n_docs, "seed": spec.seed, "include_cited": True}
    # make_corpus writes the manifest last, so a complete manifest means complete docs; the count
    # check still catches a docs folder someone edited by hand.
    return args == wanted and len(list((root / "docs").glob("*.txt"))) == n_docs


def build_corpus(spec: CorpusSpec, benchmark_dir: Path, cache_root: Path) -> BuiltCorpus:
    """Write (or reuse) the corpus for `spec` under cache_root/corpus-<name>/ with make_corpus.py."""
    unknown = [s for s in spec.splits if s not in SPLITS]
    if unknown:
        raise ScifactDataError(f"unknown split(s) {', '.join(unknown)}; choose from {', '.join(SPLITS)}")
    n_docs = FULL_CORPUS_DOCS if spec.n_docs is None else spec.n_docs
    root = cache_root / f"corpus-{spec.name}"
    if _cached(root, spec, n_docs):
        return BuiltCorpus(root, spec, n_docs, 0.0, True)
    started = time.perf_counter()
    command = [
        sys.executable,
        str(benchmark_dir / "make_corpus.py"),
        "--out",
        str(root),
        "--splits",
        ",".join(spec.splits),
        "--n-docs",
        str(n_docs),
        "--seed",
        str(spec.seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ScifactDataError(f"make_corpus.py failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return BuiltCorpus(root, spec, n_docs, time.perf_counter() - started, False)


@dataclass(frozen=True)
class Claim:
    """One SciFact claim as the benchmark scores it.

    relevant_docs: the abstracts the claim cites (BEIR's relevance judgements for SciFact; ids are
    file stems). evidence: its gold rationale sentences, verbatim; empty for a claim the annotators
    found no evidence for (NOT ENOUGH INFO), which still counts for the document metrics.
    """

    id: str
    split: str
    text: str
    relevant_docs: tuple[str, ...]
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_claims(benchmark_dir: Path, corpus: BuiltCorpus, split: str) -> tuple[Claim, ...]:
    """Every claim of the split, in file order: relevance from the release, evidence from questions.jsonl.

    The evidence comes from make_corpus.py's questions file because that script has already checked
    each sentence is a verbatim substring of its document.
    """
    if split not in corpus.spec.splits:
        raise ScifactDataError(f"the corpus in {corpus.root} was built for {', '.join(corpus.spec.splits)}, not {split}")
    evidence = {q["id"]: tuple(q["evidence"]) for q in _read_jsonl(corpus.root / "questions.jsonl")}
    claims = []
    for row in _read_jsonl(benchmark_dir / f"claims_{split}.jsonl"):
        claim_id = f"scifact-{split}-{row['id']}"
        # dict.fromkeys: dedupe, keeping the order (one dev claim cites the same abstract twice).
        relevant = tuple(dict.fromkeys(str(d) for d in row["cited_doc_ids"]))
        if row["evidence"] and claim_id not in evidence:
            raise ScifactDataError(f"{claim_id} has evidence but is missing from {corpus.root / 'questions.jsonl'}")
        claims.append(Claim(claim_id, split, row["claim"], relevant, evidence.get(claim_id, ())))
    return tuple(claims)


def abstracts_cited_by(benchmark_dir: Path, split: str) -> frozenset[str]:
    """Every abstract that some claim of the split cites (ids as file stems)."""
    return frozenset(str(d) for row in _read_jsonl(benchmark_dir / f"claims_{split}.jsonl") for d in row["cited_doc_ids"])


def scorable(claims: tuple[Claim, ...], doc_ids: set[str]) -> tuple[Claim, ...]:
    """The claims whose cited abstracts are all in the corpus.

    On the full corpus that is every claim (the BEIR protocol). A subset keeps every claim with
    evidence (make_corpus adds their cited abstracts) and only the unannotated claims whose cited
    abstracts happen to be among the distractors: scoring a claim whose relevant documents are
    absent would count the subset's sampling against the engine.
    """
    return tuple(c for c in claims if c.relevant_docs and set(c.relevant_docs) <= doc_ids)
