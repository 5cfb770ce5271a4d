"""Warm ask() against its floor, split by questions triage reads as one sentence or as several.

The timing is the bench's own (bench_query.measure_queries: ask() and the floor, one embed_query plus one
Chroma query, take turns on every question, the order rotating, --rounds rounds in one process); this tool
only splits its samples. Printed per group: the ratio of the p50s and the median of the per-question ratios.
A question "of several sentences" is one where triage also embeds sentences on their own
(EmergencyDetector.windows). Run from the repo root, with an index:

    PYTHONPATH=src .venv/bin/python evals/tools/warm_ask_split.py --rounds 10
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from ldn_assistant.assistant import Assistant
from ldn_assistant.evaluation.bench_query import benchmark_questions, measure_queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--evals", type=Path, default=Path("evals/core.jsonl"))
    args = parser.parse_args()
    assistant = Assistant.from_settings()
    questions = benchmark_questions(args.evals)
    result = measure_queries(assistant, questions, rounds=args.rounds)
    # measure_queries records every round's questions in order: sample i belongs to questions[i % len(questions)].
    several = [bool(assistant.detector.windows(questions[i % len(questions)])) for i in range(len(result.samples["ask"]))]
    rows = list(zip(several, result.samples["floor"], result.samples["ask"], strict=True))
    groups = {"all": rows, "one sentence": [r for r in rows if not r[0]], "several sentences": [r for r in rows if r[0]]}
    for name, group in groups.items():
        if not group:
            continue
        p50 = statistics.median(a for _, _, a in group) / statistics.median(f for _, f, _ in group)
        paired = statistics.median(a / f for _, f, a in group)
        print(f"{name:18s} {len(group):5d} timings  ask/floor p50/p50 {p50:.3f}  median paired {paired:.3f}")


if __name__ == "__main__":
    main()
