"""Warm ask() of this checkout against an older revision, in one process: same answers, and how far from the floor.

The older revision's src/ldn_assistant is extracted (git archive) as the package `ldn_assistant_old`; the
package imports itself relatively, so both load side by side, each with its own embedder and sessions. First
every question of evals/*.jsonl and evals/triage/dev.jsonl goes through both: the answers (status, passages
with their scores, notes) and the triage signals must be equal. Then the answered questions of the core suite
are timed as `ldn-assistant bench` times them (bench_query): ask() of each revision and each one's own floor
(one embed_query plus one Chroma query) take turns, the order rotating, so the load of a shared machine falls
on all four. Each ask() is compared with its own floor: two sessions of the same model do not time alike.
Run from the repo root, with an index built (`ldn-assistant ingest`):

    PYTHONPATH=src .venv/bin/python evals/tools/warm_ask_vs_revision.py 5f3bf3d --rounds 20
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ldn_assistant
from ldn_assistant.evaluation.bench_query import WARM_UP_QUESTION, benchmark_questions, floor_query
from ldn_assistant.evaluation.bench_stats import rotated

IDENTITY_FILES = sorted(Path("evals").glob("*.jsonl")) + [Path("evals/triage/dev.jsonl")]


def import_revision(revision: str, folder: Path) -> Any:
    """The revision's package, imported as ldn_assistant_old."""
    archive = subprocess.run(["git", "archive", revision, "src/ldn_assistant"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "src" / "ldn_assistant").rename(folder / "ldn_assistant_old")
    sys.path.insert(0, str(folder))
    import ldn_assistant_old

    return ldn_assistant_old


def questions_of(path: Path) -> list[str]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [case.get("user_input", case.get("text")) for case in cases]


def same_answers(new: Any, old: Any) -> int:
    """Asserts equal answers and triage signals for every question; returns how many were compared."""
    compared = 0
    for path in IDENTITY_FILES:
        for question in questions_of(path):
            pair = [(dataclasses.asdict(a.answer(question)), dataclasses.asdict(a.triage(question))) for a in (new, old)]
            assert pair[0] == pair[1], f"{path}: {question!r}"
            compared += 1
    return compared


def time_turns(contenders: dict[str, Callable[[str], Any]], questions: list[str], rounds: int) -> dict[str, list[float]]:
    """Milliseconds of every call, the contenders taking turns on each question in rotating order."""
    for run in contenders.values():
        run(WARM_UP_QUESTION)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for turn, question in enumerate(q for _ in range(rounds) for q in questions):
        for name in rotated(list(contenders), turn):
            started = time.perf_counter()
            contenders[name](question)
            samples[name].append(1000 * (time.perf_counter() - started))
    return samples


def ratio_line(samples: dict[str, list[float]], rows: list[int]) -> str:
    med = statistics.median
    parts = []
    for ask, floor in (("old", "floor_old"), ("new", "floor_new")):
        a, f = [samples[ask][i] for i in rows], [samples[floor][i] for i in rows]
        paired = med([x / y for x, y in zip(a, f, strict=True)])
        parts.append(f"{ask}: ask p50 {med(a):.2f} ms / floor p50 {med(f):.2f} ms = {med(a) / med(f):.3f}x (paired {paired:.3f})")
    # Straight comparisons: new ask against old ask, and the two floors (the same code: the noise between sessions).
    for top, bottom in (("new", "old"), ("floor_new", "floor_old")):
        a, b = [samples[top][i] for i in rows], [samples[bottom][i] for i in rows]
        parts.append(f"{top}/{bottom} p50 {med(a) / med(b):.3f} (paired {med([x / y for x, y in zip(a, b, strict=True)]):.3f})")
    return " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the older revision, e.g. a commit hash")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ldn-old-") as tmp:
        old_package = import_revision(args.revision, Path(tmp))
        new, old = ldn_assistant.Assistant(), old_package.Assistant()
        for assistant in (new, old):
            assistant.warm_up()
        print(f"identical answers and triage signals for {same_answers(new, old)} questions")
        questions = benchmark_questions(Path("evals/core.jsonl"))
        multi = [bool(new.detector.windows(q)) for q in questions]
        contenders = {"floor_new": floor_query(new), "new": new.ask, "old": old.ask, "floor_old": floor_query(old)}
        load = os.getloadavg()[0]
        samples = time_turns(contenders, questions, args.rounds)
        print(f"{args.rounds} rounds x {len(questions)} questions; load1 {load:.2f} before, {os.getloadavg()[0]:.2f} after")
        every = range(len(samples["new"]))
        for label, keep in (("all", lambda m: True), ("multi-sentence", lambda m: m), ("one-sentence", lambda m: not m)):
            rows = [i for i in every if keep(multi[i % len(questions)])]
            print(f"{label:15s} {ratio_line(samples, rows)}")


if __name__ == "__main__":
    main()
