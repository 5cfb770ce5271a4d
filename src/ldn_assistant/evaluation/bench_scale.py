"""The scale series: synthetic corpora of growing size, each ingested and queried in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bench_corpus import write_synthetic_corpus
from .bench_types import ScaleRow

SEED = 20240611


@dataclass(frozen=True)
class ScalePoint:
    target: int  # passages asked for
    files: int
    result: dict[str, Any]  # what the worker measured (see bench_worker.run)

    def row(self) -> ScaleRow:
        r = self.result
        return ScaleRow(
            passages=r["passages"],
            files=self.files,
            ingest_s=round(r["ingest_s"], 3),
            passages_per_s=round(r["passages_per_s"], 2),
            encoder_passages_per_s=round(r["encoder_passages_per_s"], 2) if r["encoder_passages_per_s"] else None,
            open_s=round(r["open_s"], 3),
            query_p50_ms=round(r["query"]["ask_ms"]["median"], 2),
            query_p95_ms=round(r["query"]["ask_ms"]["p95"], 2),
            query_p25_ms=round(r["query"]["ask_ms"]["p25"], 2),
            query_p75_ms=round(r["query"]["ask_ms"]["p75"], 2),
            floor_p50_ms=round(r["query"]["floor_ms"]["median"], 2),
            index_mb=round(r["index_mb"], 2),
            peak_rss_mb=round(r["peak_rss_mb"], 1),
            rss_end_mb=round(r["rss_end_mb"], 1) if r.get("rss_end_mb") else None,
        )


def run_point(target: int, source_corpus: Path, workdir: Path, questions: list[str], plan: Any, status: Callable[[str], None]) -> ScalePoint:
    """Write the corpus (seeded), then ingest and query it in a worker process; `status` hears its progress.

    `plan` is the BenchPlan: scale_rounds, encoder_sample and paragraph_chars are read from it."""
    base = workdir / f"scale-{target}"
    corpus = write_synthetic_corpus(base / "corpus", target, source_corpus, seed=SEED, paragraph_chars=plan.paragraph_chars)
    questions_file, out = base / "questions.json", base / "result.json"
    questions_file.write_text(json.dumps(questions), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "ldn_assistant.evaluation.bench_worker",
        str(corpus.path),
        str(base / "index"),
        str(questions_file),
        str(out),
        "--rounds",
        str(plan.scale_rounds),
        "--encoder-sample",
        str(plan.encoder_sample),
    ]
    log = base / "worker.log"
    # stderr to a file, not a pipe: a chatty library could fill a pipe nobody reads while we read stdout.
    with open(log, "w", encoding="utf-8") as errors, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True) as worker:
        assert worker.stdout is not None
        for line in worker.stdout:
            if line.startswith("progress "):
                _, done, total, stage = line.split(maxsplit=3)
                status(f"{target:,} passages: {stage.strip()} {done}/{total}")
    if worker.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"scale worker for {target} passages failed ({worker.returncode}): {tail}")
    return ScalePoint(target, corpus.files, json.loads(out.read_text(encoding="utf-8")))
