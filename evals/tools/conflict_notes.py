"""Count and list the conflict notes the assistant puts on the eval suites' answers, for reading.

Asks every question of the golden suites (default: core, holdout, unseen), counts the answers that
carry a note (Answer.conflicts), and prints each note with the sentence around every value it
names, so a person can judge whether the values really measure the same thing and really differ.
Nothing here tunes anything. Run from the repo root:

    .venv/bin/python evals/tools/conflict_notes.py [evals/core.jsonl ...] [--json notes.json]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from ldn_assistant.assistant import Assistant

SUITES = ("evals/core.jsonl", "evals/holdout.jsonl", "evals/unseen.jsonl")


def around(text: str, start: int, end: int) -> str:
    """The sentence a value stands in, with the value marked."""
    left = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    right_match = re.compile(r"[.\n]").search(text, end)
    right = right_match.end() if right_match else len(text)
    return " ".join((text[left:start] + "«" + text[start:end] + "»" + text[end:right]).split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suites", nargs="*", default=SUITES)
    parser.add_argument("--json", type=Path, help="also write every note with its context here")
    args = parser.parse_args()
    assistant = Assistant.from_settings()
    totals: dict[str, list[int]] = {}
    found = []
    for suite in args.suites:
        cases = [json.loads(line) for line in Path(suite).read_text(encoding="utf-8").splitlines() if line.strip()]
        answered = with_note = 0
        for case in cases:
            answer = assistant.answer(case["user_input"])
            answered += answer.status == "answered"
            if not answer.conflicts:
                continue
            with_note += 1
            quotes = {p.rank: p for p in answer.passages}
            for conflict in answer.conflicts:
                contexts = [
                    {"rank": v.rank, "source": quotes[v.rank].source_id, "value": v.text, "sentence": around(quotes[v.rank].text, v.start, v.end)}
                    for v in conflict.values
                ]
                found.append({"suite": Path(suite).stem, "id": case["id"], "question": case["user_input"], "note": conflict.note, "values": contexts})
        totals[Path(suite).stem] = [len(cases), answered, with_note]
    for item in found:
        print(f"\n[{item['suite']} {item['id']}] {item['question']}\n  {item['note']}")
        for v in item["values"]:
            print(f"    [{v['rank']}] {v['source'][:3]}: {v['sentence']}")
    print("\nsuite: questions, answered, answers with a conflict note")
    for suite, (n, answered, with_note) in totals.items():
        print(f"  {suite}: {n}, {answered}, {with_note}")
    print(f"  notes in all: {len(found)}")
    if args.json:
        args.json.write_text(json.dumps({"totals": totals, "notes": found}, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
