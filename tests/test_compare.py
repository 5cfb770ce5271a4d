"""Comparing two eval reports: the interval and the paired test checked by hand, then the comparison's rules on
small reports written here (no model needed). The comparison of two real runs is in test_eval_ci.py."""

from __future__ import annotations

import copy
import json
import re

import pytest
from click.testing import CliRunner

from ldn_assistant.cli import main
from ldn_assistant.evaluation.compare import ReportError, compare_reports, comparison_markdown, load_report
from ldn_assistant.evaluation.significance import mcnemar_exact_p, wilson_interval


def test_wilson_interval_matches_hand_computed_values():
    none, all_, half = wilson_interval(0, 10), wilson_interval(10, 10), wilson_interval(5, 10)
    # At 0 of n the upper end is z^2 / (n + z^2); at n of n the lower end is n / (n + z^2).
    assert none.low == 0.0 and none.high == pytest.approx(3.8414588 / 13.8414588)
    assert all_.high == pytest.approx(1.0) and all_.low == pytest.approx(10 / 13.8414588)
    assert half.low == pytest.approx(0.2366, abs=1e-4) and half.high == pytest.approx(0.7634, abs=1e-4)
    assert str(half) == "0.237-0.763"
    with pytest.raises(ValueError, match="n=0"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="between 0 and n=3"):
        wilson_interval(4, 3)


def test_exact_mcnemar_counts_only_the_changed_cases():
    assert mcnemar_exact_p(0, 0) == 1.0
    assert mcnemar_exact_p(0, 5) == pytest.approx(2 / 32)  # five changes all one way
    assert mcnemar_exact_p(9, 1) == pytest.approx(2 * 11 / 1024) == mcnemar_exact_p(1, 9)
    assert mcnemar_exact_p(3, 3) == 1.0  # capped: an even split is no evidence either way
    with pytest.raises(ValueError, match="negative"):
        mcnemar_exact_p(-1, 2)


def _case(suite, cid, expected, got_status, rank, question=None):
    return {
        "id": cid,
        "suite": suite,
        "question": question or f"question {cid}",
        "expected": {"status": expected, "evidence": ["x"] if expected == "answered" else [], "sources": []},
        "got": {"ldn-assistant": {"status": got_status, "first_hit_rank": rank}, "dense-only": {"status": got_status, "first_hit_rank": None}},
    }


BEFORE = {
    "cases": [
        _case("core", "a", "answered", "answered", 1),
        _case("core", "b", "answered", "answered", 4),
        _case("core", "c", "answered", "no_evidence", None),
        _case("core", "d", "emergency", "answered", None),
        _case("holdout", "e", "answered", "answered", 2),
        _case("extra", "f", "answered", "answered", 1),
    ]
}


def _after():
    after = copy.deepcopy(BEFORE)
    after["cases"] = [c for c in after["cases"] if c["suite"] != "extra"]
    got = {c["id"]: c["got"]["ldn-assistant"] for c in after["cases"]}
    got["a"]["first_hit_rank"] = 2  # lost at hit@1, kept at hit@3
    got["b"]["first_hit_rank"] = 3  # gained at hit@3
    got["c"].update(status="answered", first_hit_rank=1)  # gained at both, and its status now matches
    got["d"]["status"] = "emergency"  # status gained; not answerable, so no hit@k
    return after


def test_comparison_counts_gains_and_losses_per_suite_and_overall():
    comparison = compare_reports(BEFORE, _after())
    by = {(c.suite, c.measure): c for c in comparison.changes}
    hit1, hit3, status = by["core", "hit@1"], by["core", "hit@3"], by["core", "status_accuracy"]
    assert (hit1.n, hit1.before, hit1.after, hit1.gained, hit1.lost) == (3, 1, 1, ("c",), ("a",))
    assert (hit3.n, hit3.before, hit3.after, hit3.gained, hit3.lost) == (3, 1, 3, ("b", "c"), ())
    assert (status.n, status.before, status.after, status.gained) == (4, 2, 4, ("c", "d"))
    assert hit3.p_value == pytest.approx(0.5) and hit3.before_rate == pytest.approx(1 / 3)
    # The overall row spans both shared suites, its ids named with their suite; the suite only one report ran is left out.
    assert by["(all)", "hit@3"].n == 4 and by["(all)", "hit@3"].gained == ("core/b", "core/c")
    assert comparison.only_before == ("extra",) and comparison.only_after == ()
    text = comparison_markdown(comparison)
    assert "| core | hit@3 | 3 | 0.333 | 1.000 | 2 | 0 | 0.500 |" in text
    assert "Only in the first report (left out): extra." in text
    assert "core/b" not in text and "gained b" not in text  # ids only when asked for
    assert "- core hit@3: gained b, c; lost -" in comparison_markdown(comparison, show_cases=True)


def test_another_system_of_the_first_report_can_be_the_baseline():
    comparison = compare_reports(BEFORE, _after(), before_system="dense-only")
    hit3 = next(c for c in comparison.changes if (c.suite, c.measure) == ("core", "hit@3"))
    assert hit3.before == 0 and hit3.after == 3
    assert comparison_markdown(comparison).startswith("# dense-only -> ldn-assistant: before -> after")


def test_a_suite_of_emergencies_has_no_hit_rows_and_a_suite_called_all_is_a_suite():
    emergencies = {"cases": [_case("all", "x", "emergency", "emergency", None), _case("all", "y", "emergency", "answered", None)]}
    after = copy.deepcopy(emergencies)
    after["cases"][1]["got"]["ldn-assistant"]["status"] = "emergency"
    after["cases"].append(_case("new", "z", "answered", "answered", 1))
    comparison = compare_reports(emergencies, after)
    assert [(c.suite, c.measure, c.n, c.before, c.after) for c in comparison.changes] == [("all", "status_accuracy", 2, 1, 2)]
    assert comparison.only_after == ("new",) and "Only in the second report (left out): new." in comparison_markdown(comparison)


def test_malformed_reports_are_refused_naming_the_case():
    def with_case(**change):
        report = copy.deepcopy(BEFORE)
        report["cases"][2].update(change)
        return report

    got_text = {"ldn-assistant": {"status": "answered", "first_hit_rank": "1"}}
    for bad, reason in (
        ({"cases": [1]}, "case 1 is malformed"),
        (with_case(expected={}), "the first report, case 3 is malformed"),
        (with_case(got="answered"), "case 3 is malformed"),
        (with_case(suite=["core"]), "case 3 is malformed: suite, id, question and statuses must be text"),
        (with_case(got=got_text), "first_hit_rank must be a rank from 1 or null, got '1'"),
        (with_case(id="a"), "holds case 'a' of suite 'core' twice"),
    ):
        with pytest.raises(ReportError, match=re.escape(reason)):
            compare_reports(bad, _after())


def test_reports_of_other_cases_or_systems_are_refused_with_the_reason():
    changed = _after()
    changed["cases"][0]["question"] = "another question"
    with pytest.raises(ReportError, match="suite 'core', case 'a': its question or expected answer differs"):
        compare_reports(BEFORE, changed)
    fewer = _after()
    fewer["cases"] = fewer["cases"][1:]
    with pytest.raises(ReportError, match=r"suite 'core' has other cases in the two reports \(a\)"):
        compare_reports(BEFORE, fewer)
    with pytest.raises(ReportError, match="has no system 'bm25-only' .*it ran: dense-only, ldn-assistant"):
        compare_reports(BEFORE, _after(), system="bm25-only")
    elsewhere = {"cases": [_case("other", "z", "answered", "answered", 1)]}
    with pytest.raises(ReportError, match="share no suite"):
        compare_reports(BEFORE, elsewhere)


def test_the_command_reads_report_directories_and_names_a_bad_one(tmp_path):
    (tmp_path / "before").mkdir()
    (tmp_path / "before" / "report.json").write_text(json.dumps(BEFORE), encoding="utf-8")
    (tmp_path / "after.json").write_text(json.dumps(_after()), encoding="utf-8")
    (tmp_path / "scifact.json").write_text(json.dumps({"systems": {}}), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert load_report(tmp_path / "before") == BEFORE
    runner = CliRunner()
    ok = runner.invoke(main, ["compare", str(tmp_path / "before"), str(tmp_path / "after.json")])
    assert ok.exit_code == 0, ok.output
    assert "| core | hit@3 | 3 | 0.333 | 1.000 | 2 | 0 | 0.500 |" in ok.output
    for bad, reason in (("missing", "no eval report at"), ("scifact.json", "is not a golden-suite eval report"), ("broken.json", "is not readable JSON")):
        result = runner.invoke(main, ["compare", str(tmp_path / "before"), str(tmp_path / bad)])
        assert result.exit_code == 2 and reason in result.output, result.output
