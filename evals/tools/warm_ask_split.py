"""Warm ask() against its floor, split by questions triage reads as one sentence or as several.

The floor is the bench's (one embed_query plus one Chroma query). Each answered question of the suite is timed
under both, back to back, the order alternating, for --rounds rounds in one process; printed per group: the
ratio of the p50s and the median of the per-question ratios. A question "of several sentences" is one where
triage also embeds sentences on their own (EmergencyDetector.windows). Run from the repo root, with an index:

    PYTHONPATH=src .venv/bin/python evals/tools/warm_ask_split.py --rounds 10
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ldn_assistant.assistant import Assistant
from ldn_assistant.evaluation.bench_query import WARM_UP_QUESTION, benchmark_questions, floor_query


def _seconds(run: Callable[[str], Any], question: str) -> float:
    start = time.perf_counter()
    run(question)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--evals", type=Path, default=Path("evals/core.jsonl"))
    args = parser.parse_args()
    assistant = Assistant.from_settings()
    assistant.warm_up()
    floor = floor_query(assistant)
    for run in (floor, assistant.ask):  # first calls pay one-off costs
        run(WARM_UP_QUESTION)
    questions = benchmark_questions(args.evals)
    several = {q: bool(assistant.detector.windows(q)) for q in questions}
    rows: list[tuple[bool, float, float]] = []  # (several sentences, floor s, ask s)
    turn = 0
    for _ in range(args.rounds):
        for question in questions:
            if turn % 2:
                ask_s, floor_s = _seconds(assistant.ask, question), _seconds(floor, question)
            else:
                floor_s, ask_s = _seconds(floor, question), _seconds(assistant.ask, question)
            rows.append((several[question], floor_s, ask_s))
            turn += 1
    groups = {"all": rows, "one sentence": [r for r in rows if not r[0]], "several sentences": [r for r in rows if r[0]]}
    for name, group in groups.items():
        if not group:
            continue
        p50 = statistics.median(a for _, _, a in group) / statistics.median(f for _, f, _ in group)
        paired = statistics.median(a / f for _, f, a in group)
        print(f"{name:18s} {len(group):5d} timings  ask/floor p50/p50 {p50:.3f}  median paired {paired:.3f}")


if __name__ == "__main__":
    main()
