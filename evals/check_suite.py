#!/usr/bin/env python3
"""Validate the golden evaluation suites (*.jsonl) that sit next to this script.

Standard library only. Run:  python3 evals/check_suite.py [SUITE.jsonl ...]
Without arguments every *.jsonl next to this script is checked, with the minimum distribution of
the whole golden set; with arguments only those files, and no distribution minimum (one suite need
not hold every category). Exit status 0 when every case is valid, 1 otherwise.

Checks, for every case in every *.jsonl file in this folder:
  * the line is a JSON object with the required fields and types;
  * ids are unique across all files;
  * category and expected_status are known values and agree with each other;
  * answered cases name evidence (reference_contexts and reference_sources are
    non-empty); other cases have both lists empty;
  * every reference_contexts string contains no line break, is long enough to be
    meaningful, is an exact substring of at least one of the named source files,
    and does not come from page furniture (navigation, Related Posts, reference
    list, author bio, the JSON error line, "Join the conversation");
  * every named source file exists in the corpus and holds at least one of the
    case's strings;
  * multi_source cases name at least two source files.
Finally prints counts per category and status and checks the minimum distribution.

Corpus location: ../corpus relative to this script if it exists, otherwise
../../shared/corpus-seeds.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

CATEGORY_STATUS = {
    "clinician": "answered",
    "lay": "answered",
    "misspelling": "answered",
    "synonym": "answered",
    "multi_source": "answered",
    "out_of_scope": "out_of_scope",
    "not_in_sources": "no_evidence",
    "emergency": "emergency",
    "injection": "out_of_scope",
}
STATUSES = {"answered", "no_evidence", "out_of_scope", "emergency"}
MIN_COUNTS = {
    "clinician": 15,
    "lay": 15,
    "misspelling": 10,
    "synonym": 10,
    "multi_source": 6,
    "out_of_scope": 8,
    "not_in_sources": 10,
    "emergency": 8,
    "injection": 8,
}
MIN_TOTAL = 90
MIN_REF_LEN = 30  # the brief asks for ~40; anything much shorter is too generic to be a hit

REQUIRED = {
    "id": str,
    "user_input": str,
    "category": str,
    "expected_status": str,
    "reference_contexts": list,
    "reference_sources": list,
}
OPTIONAL = {"notes": str}

# Substrings that mark a line of page furniture; evidence must never come from such a line.
FURNITURE_MARKERS = (
    "Join the conversation",
    "Related Posts",
    "Email address invalid",
    "Required field missing",
    "REFERE CES",
    "The LDN Book",
    "Kim, Phillip",
    "Current Pain Headache Reports",
    "Read more about Dr. Joe Jacko",
    "board certified in internal medicine",
    "Photo courtesy of Pixabay",
    "Let us know in the comments",
)
# Lines of 003 that are nothing but navigation / repeated related-post titles.
FURNITURE_EXACT_LINES = {
    "• Home",
    "• |",
    "• Blog",
    "Does Medicine Make a Difference?",
    "The FDA Drug Approval Process",
    "Early Onset Dementia: 15 Risk Factors",
    "Dr. Joe Jacko",
}


def find_corpus() -> Path | None:
    for cand in (HERE.parent / "corpus", HERE.parent.parent / "shared" / "corpus-seeds"):
        if cand.is_dir():
            return cand
    return None


def load_corpus(corpus: Path) -> dict[str, str]:
    docs = {}
    for p in sorted(corpus.iterdir()):
        if p.is_file() and p.suffix == ".txt":
            docs[p.name] = p.read_text(encoding="utf-8")
    return docs


def furniture_lines(text: str) -> list[str]:
    """Return the lines of a document that are page furniture."""
    out = []
    lines = text.split("\n")
    in_refs = False
    for line in lines:
        s = line.strip()
        if s.startswith("REFERE CES") or s.startswith("REFERENCES"):
            in_refs = True  # in 003 everything after the reference heading is furniture
        if in_refs or s in FURNITURE_EXACT_LINES or any(m in line for m in FURNITURE_MARKERS):
            out.append(line)
    return out


def main(argv: list[str]) -> int:
    errors: list[str] = []
    warnings: list[str] = []

    corpus = find_corpus()
    if corpus is None:
        print("ERROR: no corpus folder found (looked for ../corpus and ../../shared/corpus-seeds)")
        return 1
    docs = load_corpus(corpus)
    if not docs:
        print(f"ERROR: no .txt documents in {corpus}")
        return 1
    furniture = {name: furniture_lines(t) for name, t in docs.items()}

    files = [Path(a) for a in argv] or sorted(HERE.glob("*.jsonl"))
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"ERROR: no such suite file: {', '.join(missing)}")
        return 1
    if not files:
        print(f"ERROR: no *.jsonl files in {HERE}")
        return 1

    seen_ids: dict[str, str] = {}
    cat_counts: Counter[str] = Counter()
    status_counts: Counter[str] = Counter()
    per_file: Counter[str] = Counter()

    for path in files:
        raw = path.read_bytes()
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            errors.append(f"{path.name}: not valid UTF-8 ({e})")
            continue
        lines = content.split("\n")
        if lines and lines[-1] == "":
            lines = lines[:-1]
        for lineno, line in enumerate(lines, 1):
            where = f"{path.name}:{lineno}"
            if not line.strip():
                errors.append(f"{where}: blank line")
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: invalid JSON ({e})")
                continue
            if not isinstance(case, dict):
                errors.append(f"{where}: line is not a JSON object")
                continue

            cid = case.get("id")
            if isinstance(cid, str) and cid:
                where = f"{path.name}:{lineno} [{cid}]"

            bad_type = False
            for field, typ in REQUIRED.items():
                if field not in case:
                    errors.append(f"{where}: missing field '{field}'")
                    bad_type = True
                elif not isinstance(case[field], typ):
                    errors.append(f"{where}: field '{field}' must be {typ.__name__}")
                    bad_type = True
            for field, typ in OPTIONAL.items():
                if field in case and not isinstance(case[field], typ):
                    errors.append(f"{where}: field '{field}' must be {typ.__name__}")
            for field in case:
                if field not in REQUIRED and field not in OPTIONAL:
                    warnings.append(f"{where}: unknown field '{field}'")
            if bad_type:
                continue

            per_file[path.name] += 1
            if not cid.strip():
                errors.append(f"{where}: empty id")
            elif cid in seen_ids:
                errors.append(f"{where}: duplicate id '{cid}' (first in {seen_ids[cid]})")
            else:
                seen_ids[cid] = f"{path.name}:{lineno}"
            if not case["user_input"].strip():
                errors.append(f"{where}: empty user_input")

            cat, status = case["category"], case["expected_status"]
            cat_counts[cat] += 1
            status_counts[status] += 1
            if cat not in CATEGORY_STATUS:
                errors.append(f"{where}: unknown category '{cat}'")
            if status not in STATUSES:
                errors.append(f"{where}: unknown expected_status '{status}'")
            if cat in CATEGORY_STATUS and status in STATUSES and CATEGORY_STATUS[cat] != status:
                errors.append(f"{where}: category '{cat}' requires status '{CATEGORY_STATUS[cat]}', got '{status}'")

            refs, srcs = case["reference_contexts"], case["reference_sources"]
            for i, r in enumerate(refs):
                if not isinstance(r, str):
                    errors.append(f"{where}: reference_contexts[{i}] is not a string")
            for i, s in enumerate(srcs):
                if not isinstance(s, str):
                    errors.append(f"{where}: reference_sources[{i}] is not a string")
            refs = [r for r in refs if isinstance(r, str)]
            srcs = [s for s in srcs if isinstance(s, str)]
            if len(set(srcs)) != len(srcs):
                errors.append(f"{where}: duplicate entries in reference_sources")

            if status == "answered":
                if not refs:
                    errors.append(f"{where}: answered case has no reference_contexts")
                if not srcs:
                    errors.append(f"{where}: answered case has no reference_sources")
            elif status in STATUSES:
                if refs or srcs:
                    errors.append(f"{where}: '{status}' case must have empty reference_contexts and reference_sources")
            if cat == "multi_source" and len(set(srcs)) < 2:
                errors.append(f"{where}: multi_source case names fewer than 2 sources")

            for s in srcs:
                if s not in docs:
                    errors.append(f"{where}: source '{s}' not found in {corpus}")
            known_srcs = [s for s in srcs if s in docs]

            used_srcs: set[str] = set()
            for r in refs:
                short = (r[:60] + "...") if len(r) > 60 else r
                if "\n" in r or "\r" in r:
                    errors.append(f"{where}: reference contains a line break: {short!r}")
                    continue
                if len(r.strip()) < MIN_REF_LEN:
                    errors.append(f"{where}: reference shorter than {MIN_REF_LEN} chars: {r!r}")
                holders = [s for s in known_srcs if r in docs[s]]
                if not holders:
                    elsewhere = [n for n, t in docs.items() if r in t]
                    hint = f" (but found in {', '.join(elsewhere)})" if elsewhere else ""
                    errors.append(f"{where}: reference not an exact substring of any named source{hint}: {short!r}")
                    continue
                used_srcs.update(holders)
                for s in holders:
                    for fl in furniture[s]:
                        if r in fl:
                            errors.append(f"{where}: reference comes from page furniture in {s}: {short!r}")
                            break
            for s in known_srcs:
                if refs and s not in used_srcs:
                    errors.append(f"{where}: source '{s}' holds none of the case's reference_contexts")

    total = sum(cat_counts.values())
    whole_set = not argv
    for cat, n in MIN_COUNTS.items() if whole_set else ():
        if cat_counts[cat] < n:
            errors.append(f"distribution: category '{cat}' has {cat_counts[cat]} cases, minimum is {n}")
    if whole_set and total < MIN_TOTAL:
        errors.append(f"distribution: {total} cases in total, minimum is {MIN_TOTAL}")

    print(f"corpus: {corpus} ({len(docs)} documents)")
    for name, n in per_file.items():
        print(f"file:   {name}: {n} cases")
    print("\ncases per category:")
    for cat in CATEGORY_STATUS:
        print(f"  {cat:<15} {cat_counts[cat]:>4}")
    for cat in sorted(set(cat_counts) - set(CATEGORY_STATUS)):
        print(f"  {cat:<15} {cat_counts[cat]:>4}  (unknown)")
    print(f"  {'TOTAL':<15} {total:>4}")
    print("\ncases per expected_status:")
    for st in sorted(status_counts):
        print(f"  {st:<15} {status_counts[st]:>4}")

    for w in warnings:
        print(f"WARNING: {w}")
    if errors:
        print(f"\n{len(errors)} error(s):")
        for e in errors:
            print(f"ERROR: {e}")
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
