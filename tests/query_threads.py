"""Query embedding latency with torch on all cores against one thread, on a quiet or a busy machine.

A script, not a test (nothing here is asserted): `python tests/query_threads.py --busy 2` starts two
CPU-bound processes beside the measurement, as other work on a shared machine would, then embeds the same
questions in turns with 2 threads and with 1 and prints p50/p95 for each. See docs/ui.md for the figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUESTIONS = (
    "What dose of LDN is used for fibromyalgia pain?",
    "Can I take LDN with tramadol?",
    "Is low dose naltrexone FDA approved?",
)


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def measure(rounds: int, per_round: int) -> dict[int, list[float]]:
    """Milliseconds per query embedding, by torch thread count; the counts take turns round by round."""
    import torch

    from ldn_assistant.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.embed_query("warm up")
    default_threads = torch.get_num_threads()
    timings: dict[int, list[float]] = {}
    for _ in range(rounds):
        for threads in sorted({default_threads, 1}, reverse=True):
            torch.set_num_threads(threads)
            for i in range(per_round):
                started = time.perf_counter()
                embedder.embed_query(QUESTIONS[i % len(QUESTIONS)])
                timings.setdefault(threads, []).append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes to run beside the measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=30)
    args = parser.parse_args()
    hogs = [multiprocessing.Process(target=spin, args=(600.0,), daemon=True) for _ in range(args.busy)]
    for hog in hogs:
        hog.start()
    try:
        timings = measure(args.rounds, args.per_round)
    finally:
        for hog in hogs:
            hog.terminate()
    for threads, ms in timings.items():
        p95 = sorted(ms)[int(0.95 * (len(ms) - 1))]
        print(f"busy={args.busy} threads={threads}: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms (n={len(ms)})")


if __name__ == "__main__":
    main()
