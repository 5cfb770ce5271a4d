"""evals/check_suite.py, the validator of the golden suites, on the files it is given."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "evals" / "check_suite.py"), *map(str, paths)], capture_output=True, text=True, check=False)


def test_one_suite_is_checked_alone():
    result = _check(ROOT / "evals" / "fresh.jsonl")
    assert result.returncode == 0, result.stdout
    assert "fresh.jsonl: 75 cases" in result.stdout and "core.jsonl" not in result.stdout


def test_a_bad_case_is_named_and_fails(tmp_path):
    case = json.loads((ROOT / "evals" / "fresh.jsonl").read_text(encoding="utf-8").splitlines()[0])
    case.update(id="mine-1", expected_status="answered", category="lay", reference_contexts=["words that no source document holds anywhere"])
    mine = tmp_path / "mine.jsonl"
    mine.write_text(json.dumps(case) + "\n", encoding="utf-8")
    result = _check(mine)
    assert result.returncode == 1
    assert "mine.jsonl:1 [mine-1]: reference not an exact substring" in result.stdout
    assert _check(tmp_path / "missing.jsonl").returncode == 1
