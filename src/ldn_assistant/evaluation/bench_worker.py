"""One scale point, run in its own process so its peak memory is its own: ingest, open, query, measure.

    python -m ldn_assistant.evaluation.bench_worker CORPUS INDEX QUESTIONS_JSON OUT_JSON --rounds 3

Progress goes to stdout as `progress DONE TOTAL STAGE` lines; the result is written to OUT_JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path


def _progress(done: int, total: int, stage: str) -> None:
    print(f"progress {done} {total} {stage}", flush=True)


def folder_mb(path: Path) -> float:
    """Bytes on disk of every file below path, in MB (10^6 bytes)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def _proc_status_mb(field: str) -> float | None:
    """A memory line of /proc/self/status (Linux; given in KiB) in MB, or None where there is no /proc."""
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """This process's peak resident set size. On Linux VmHWM, of this program alone: ru_maxrss survives exec, so in
    a worker started by the benchmark it would report the parent's size at the fork (measured: 1.26 GB of the
    parent's torch for a 0.36 GB worker). Elsewhere ru_maxrss (KiB on Linux, bytes on macOS)."""
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float | None:
    """Resident memory now (Linux /proc); the peak is often the model load, this shows what the index holds."""
    return _proc_status_mb("VmRSS")


def run(corpus: Path, index: Path, questions: list[str], rounds: int, encoder_sample: int) -> dict:
    from ..assistant import Assistant
    from ..embeddings import effective_backend, make_embedder
    from ..index import ingest
    from ..settings import Settings
    from .bench_ingest import passage_texts
    from .bench_query import measure_queries
    from .bench_stats import timed

    settings = Settings(corpus_dir=corpus, index_dir=index)
    embedder = make_embedder(settings)  # the configured backend (LDN_EMBEDDING_BACKEND), as users run it
    embedder.embed_query("load")
    # The encoder's own rate on a sample of these passages, half before the ingest and half after, so drift cancels.
    sample = passage_texts(settings)[:encoder_sample]
    half = len(sample) // 2
    batch = settings.embedding_batch_size
    encode_s = timed(lambda: embedder.embed_documents(sample[:half], batch_size=batch))
    report = None

    def ingest_progress(done: int, total: int) -> None:
        if total and (done == total or done % (batch * 8) == 0):
            _progress(done, total, "embedding")

    def do_ingest() -> None:
        nonlocal report
        report = ingest(settings, embedder, progress=ingest_progress)

    ingest_s = timed(do_ingest)
    assert report is not None  # set by do_ingest
    encode_s += timed(lambda: embedder.embed_documents(sample[half:], batch_size=batch))

    assistant = Assistant(settings, embedder=embedder)
    # Opening: the snapshot, the Chroma collection, and the lexical index the first question needs.
    open_s = timed(lambda: assistant.index.snapshot.lexical)
    _progress(0, len(questions) * rounds, "queries")
    result = measure_queries(assistant, questions, rounds)
    return {
        "backend": effective_backend(settings),
        "passages": report.passages,
        "ingest_s": ingest_s,
        "passages_per_s": report.passages / ingest_s,
        "encoder_sample": len(sample),
        "encoder_passages_per_s": len(sample) / encode_s if encode_s > 0 else None,
        "open_s": open_s,
        "query": {"ask_ms": result.ask_ms.to_dict(), "floor_ms": result.floor_ms.to_dict()},
        "index_mb": folder_mb(index),
        "peak_rss_mb": peak_rss_mb(),
        "rss_end_mb": current_rss_mb(),
        "pid": os.getpid(),
        "finished": time.time(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="One scale point of the ldn-assistant benchmark.")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("questions", type=Path, help="JSON list of questions")
    parser.add_argument("out", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--encoder-sample", type=int, default=512)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    result = run(args.corpus, args.index, questions, args.rounds, args.encoder_sample)
    args.out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
