"""Comparing two eval reports: the interval and the paired test checked by hand, then the comparison's rules on
small reports written here (no model needed), golden-suite and SciFact. The comparisons of real runs are in
test_eval_ci.py and test_scifact.py."""

from __future__ import annotations

import copy
import json
import re

import pytest
from click.testing import CliRunner

from ldn_assistant.cli import main
from ldn_assistant.evaluation.compare import ReportError, compare_reports, comparison_markdown, load_report
from ldn_assistant.evaluation.scifact_compare import compare_scifact_reports, scifact_comparison_markdown
from ldn_assistant.evaluation.significance import Interval, mcnemar_exact_p, mean_difference_interval, wilson_interval
from ldn_assistant.evaluation.triage_compare import compare_triage, triage_comparison_markdown


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


def test_mean_difference_interval_uses_students_t():
    interval = mean_difference_interval([0.1, 0.3])  # mean 0.2, sample sd sqrt(0.02); t(0.975, 1 df) = 12.7062
    half = 12.706205 * 0.02**0.5 / 2**0.5
    assert interval.low == pytest.approx(0.2 - half, abs=1e-6) and interval.high == pytest.approx(0.2 + half, abs=1e-6)
    assert mean_difference_interval([0.0, 0.0, 0.0]) == Interval(0.0, 0.0)
    with pytest.raises(ValueError, match="at least two cases, got 1"):
        mean_difference_interval([0.5])


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
    by = {(c.group, c.measure): c for c in comparison.changes}
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
    hit3 = next(c for c in comparison.changes if (c.group, c.measure) == ("core", "hit@3"))
    assert hit3.before == 0 and hit3.after == 3
    assert comparison_markdown(comparison).startswith("# dense-only -> ldn-assistant: before -> after")


def test_a_suite_of_emergencies_has_no_hit_rows_and_a_suite_called_all_is_a_suite():
    emergencies = {"cases": [_case("all", "x", "emergency", "emergency", None), _case("all", "y", "emergency", "answered", None)]}
    after = copy.deepcopy(emergencies)
    after["cases"][1]["got"]["ldn-assistant"]["status"] = "emergency"
    after["cases"].append(_case("new", "z", "answered", "answered", 1))
    comparison = compare_reports(emergencies, after)
    assert [(c.group, c.measure, c.n, c.before, c.after) for c in comparison.changes] == [("all", "status_accuracy", 2, 1, 2)]
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
    (tmp_path / "other.json").write_text(json.dumps({"systems": {}}), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert load_report(tmp_path / "before") == BEFORE
    runner = CliRunner()
    ok = runner.invoke(main, ["compare", str(tmp_path / "before"), str(tmp_path / "after.json")])
    assert ok.exit_code == 0, ok.output
    assert "| core | hit@3 | 3 | 0.333 | 1.000 | 2 | 0 | 0.500 |" in ok.output
    for bad, reason in (("missing", "no eval report at"), ("other.json", "is not a golden-suite eval report"), ("broken.json", "is not readable JSON")):
        result = runner.invoke(main, ["compare", str(tmp_path / "before"), str(tmp_path / bad)])
        assert result.exit_code == 2 and reason in result.output, result.output


# --- SciFact reports, claim by claim ------------------------------------------------------------------------------


def _scifact(scores, system="ldn-assistant", apart=None, n_docs=200):
    """A SciFact report as scifact_report writes it, cut to what the comparison reads; scores are
    (claim id, nDCG@10, recall@10, rationale rank, has evidence)."""
    per_claim = [
        {"claim_id": cid, "ndcg_at_10": ndcg, "recall_at_10": recall, "top_docs": [], "distinct_docs": 10, "rationale_rank": rank, "has_evidence": evidence}
        for cid, ndcg, recall, rank, evidence in scores
    ]
    return {
        "suite": "scifact",
        "name": f"dev-{n_docs}",
        "options": {"split": "dev"},
        "corpus": {"root": "/anywhere", "spec": {"n_docs": n_docs, "splits": ["dev"], "seed": 13}},
        "systems": [{"system": system, "per_claim": per_claim}],
        "apart_from_train": None if apart is None else {"new_abstract_claims": sorted(apart), "systems": []},
    }


SCIFACT_BEFORE = _scifact([("c1", 0.5, 1.0, 4, True), ("c2", 1.0, 1.0, 1, True), ("c3", 0.0, 0.0, None, False), ("c4", 0.2, 0.5, 2, True)], apart={"c1", "c3"})
SCIFACT_AFTER = _scifact([("c1", 1.0, 1.0, 1, True), ("c2", 1.0, 1.0, 1, True), ("c3", 0.3, 1.0, None, False), ("c4", 0.1, 0.5, 5, True)], apart={"c1", "c3"})


def test_scifact_reports_compare_claim_by_claim():
    comparison = compare_scifact_reports(SCIFACT_BEFORE, SCIFACT_AFTER)
    graded = {(g.group, g.measure): g for g in comparison.graded}
    ndcg = graded[("all claims", "nDCG@10")]
    assert (ndcg.n, ndcg.better, ndcg.worse) == (4, ("c1", "c3"), ("c4",))
    assert ndcg.before_mean == pytest.approx(0.425) and ndcg.after_mean == pytest.approx(0.6)
    # Differences 0.5, 0, 0.3, -0.1: mean 0.175, sample sd sqrt(0.2275 / 3); t(0.975, 3 df) = 3.182446.
    half = 3.182446 * (0.2275 / 3) ** 0.5 / 2
    assert ndcg.difference.low == pytest.approx(0.175 - half, abs=1e-6) and ndcg.difference.high == pytest.approx(0.175 + half, abs=1e-6)
    assert ndcg.p_value == 1.0  # two higher, one lower
    recall = graded[("all claims", "recall@10")]
    assert (recall.better, recall.worse) == (("c3",), ())
    hits = {(h.group, h.measure): h for h in comparison.hits}
    # Rationale hits count the three claims with rationale sentences only.
    hit1, hit3 = hits[("all claims", "rationale hit@1")], hits[("all claims", "rationale hit@3")]
    assert (hit1.n, hit1.before, hit1.after, hit1.gained, hit1.lost) == (3, 1, 2, ("c1",), ())
    assert (hit3.before, hit3.after, hit3.gained, hit3.lost) == (2, 2, ("c1",), ("c4",))
    # The claims whose abstracts no train claim cites, and the others, get rows of their own, as in the report.
    assert graded[("new abstracts", "nDCG@10")].n == 2 and hits[("new abstracts", "rationale hit@3")].n == 1
    others = graded[("abstracts train cites", "nDCG@10")]
    assert (others.n, others.before_mean, others.after_mean, others.worse) == (2, 0.6, 0.55, ("c4",))
    assert comparison.notes == ()
    text = scifact_comparison_markdown(comparison)
    assert "| all claims | nDCG@10 | 4 | 0.425 | 0.600 | 2 | 1 | 1.000 | -0.263 to +0.613 |" in text
    assert "| all claims | rationale hit@3 | 3 | 0.667 | 0.667 | 1 | 1 | 1.000 |" in text
    assert "c4" not in text and "c4" in scifact_comparison_markdown(comparison, show_cases=True)


def test_scifact_groups_follow_the_reports_split_of_the_claims():
    train_run = [copy.deepcopy(r) for r in (SCIFACT_BEFORE, SCIFACT_AFTER)]
    for report in train_run:
        report["apart_from_train"] = None  # a train run: no split by abstract
    comparison = compare_scifact_reports(*train_run)
    assert {g.group for g in comparison.graded} == {h.group for h in comparison.hits} == {"all claims"} and comparison.notes == ()
    all_new = [copy.deepcopy(r) for r in (SCIFACT_BEFORE, SCIFACT_AFTER)]
    for report in all_new:
        report["apart_from_train"]["new_abstract_claims"] = ["c1", "c2", "c3", "c4"]
    comparison = compare_scifact_reports(*all_new)
    assert {g.group for g in comparison.graded} == {"all claims"}
    assert comparison.notes == ("No rows by abstract: all 4 of the claims cite an abstract that no train claim cites.",)
    one_claim = [_scifact([("c3", 0.0, 0.0, None, False)]), _scifact([("c3", 0.5, 1.0, None, False)])]
    comparison = compare_scifact_reports(*one_claim)
    assert comparison.graded == comparison.hits == ()
    text = scifact_comparison_markdown(comparison)
    assert "No nDCG@10 or recall@10 row for all claims: one claim" in text and "No rationale hit rows for all claims" in text


def test_scifact_reports_of_other_runs_or_systems_are_refused():
    other_corpus = _scifact([("c1", 1.0, 1.0, 1, True)], n_docs=1200)
    fewer_claims = _scifact([("c1", 1.0, 1.0, 1, True), ("c2", 1.0, 1.0, 1, True)])
    evidence_differs = copy.deepcopy(SCIFACT_AFTER)
    evidence_differs["systems"][0]["per_claim"][2]["has_evidence"] = True
    bad_rank = copy.deepcopy(SCIFACT_AFTER)
    bad_rank["systems"][0]["per_claim"][0]["rationale_rank"] = 0
    twice = copy.deepcopy(SCIFACT_AFTER)
    twice["systems"][0]["per_claim"].append(twice["systems"][0]["per_claim"][0])
    other_split = copy.deepcopy(SCIFACT_AFTER)
    other_split["options"]["split"] = "train"
    other_release = copy.deepcopy(SCIFACT_AFTER)
    other_release["apart_from_train"]["new_abstract_claims"] = ["c1"]
    no_per_claim = copy.deepcopy(SCIFACT_AFTER)
    del no_per_claim["systems"][0]["per_claim"]
    system_twice = copy.deepcopy(SCIFACT_AFTER)
    system_twice["systems"].append(system_twice["systems"][0])
    for after, reason in (
        (other_corpus, "ranked another corpus ({'n_docs': 200, 'splits': ['dev'], 'seed': 13} in the first, {'n_docs': 1200,"),
        (other_split, "ranked another split (dev in the first, train in the second)"),
        (fewer_claims, "scored other claims (c3, c4)"),
        (evidence_differs, "claim 'c3' has rationale sentences in one report and none in the other"),
        (other_release, "split the claims by abstract differently"),
        (no_per_claim, "keeps no per-claim scores for 'ldn-assistant'"),
        (system_twice, "lists system 'ldn-assistant' twice"),
        (bad_rank, "claim 1 is malformed"),
        (twice, "scores claim 'c1' twice"),
    ):
        with pytest.raises(ReportError, match=re.escape(reason)):
            compare_scifact_reports(SCIFACT_BEFORE, after)
    with pytest.raises(ReportError, match=re.escape("has no system 'bm25-only' (it ran: ldn-assistant)")):
        compare_scifact_reports(SCIFACT_BEFORE, SCIFACT_AFTER, before_system="bm25-only")


def test_the_command_compares_scifact_reports_and_refuses_a_mixed_pair(tmp_path):
    for name, data in (("before.json", SCIFACT_BEFORE), ("after.json", SCIFACT_AFTER), ("golden.json", BEFORE)):
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(main, ["compare", str(tmp_path / "before.json"), str(tmp_path / "after.json")])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("# SciFact dev-200, ldn-assistant: before -> after") and "| new abstracts | nDCG@10 | 2 |" in ok.output
    for first, second, kinds in (
        ("golden.json", "after.json", ("a golden-suite report", "a SciFact report")),
        ("after.json", "golden.json", ("a SciFact report", "a golden-suite report")),
    ):
        mixed = runner.invoke(main, ["compare", str(tmp_path / first), str(tmp_path / second)])
        assert mixed.exit_code == 2, mixed.output
        said = " ".join(mixed.output.split())  # click wraps the message
        assert f"{first} is {kinds[0]} and " in said and f"{second} {kinds[1]}: compare two reports of one kind" in said


# --- the triage of two golden-suite reports, message by message ----------------------------------------------------


def _triage(sets, digests=None):
    """The report's triage section, cut to what the comparison reads; sets maps a set to
    (emergencies, missed ids, other messages, falsely flagged ids) of the layered system."""
    return {
        "profile": {"name": "test", "version": "1", "digest": "x"},
        **({"digests": digests} if digests is not None else {}),
        "halves": {
            name: {"layered": {"emergencies": e, "missed": list(missed), "non_emergencies": o, "false_alarms": list(alarms)}}
            for name, (e, missed, o, alarms) in sets.items()
        },
    }


def test_triage_compares_recall_and_specificity_per_set():
    before = {**BEFORE, "triage": _triage({"locked": (10, ["e1", "e2"], 8, ["o1"]), "dev": (4, ["d1"], 0, []), "gone": (2, [], 2, [])})}
    after = {**_after(), "triage": _triage({"locked": (10, ["e2", "e3", "e4"], 8, []), "dev": (4, [], 0, []), "new": (3, [], 3, [])})}
    comparison = compare_triage(before, after)
    rows = {(c.group, c.measure): c for c in comparison.changes}
    recall, specificity = rows[("locked", "recall")], rows[("locked", "specificity")]
    assert (recall.n, recall.before, recall.after, recall.gained, recall.lost) == (10, 8, 7, ("e1",), ("e3", "e4"))
    assert (specificity.n, specificity.before, specificity.after, specificity.gained, specificity.lost) == (8, 7, 8, ("o1",), ())
    # A set of emergencies only has no specificity row; a set in one report only is left out, and named.
    assert set(rows) == {("locked", "recall"), ("locked", "specificity"), ("dev", "recall")}
    assert comparison.skipped == ("gone: only in the first report", "new: only in the second report")
    text = "\n".join(triage_comparison_markdown(comparison))
    assert "| locked | recall | 10 | 0.800 | 0.700 | 1 | 2 | 1.000 |" in text and "e3" not in text
    assert "Triage sets left out: gone: only in the first report; new: only in the second report." in text
    # --show-cases lists the ids of the sets tuned on (dev) only: locked is held out.
    shown = "\n".join(triage_comparison_markdown(comparison, show_cases=True))
    assert "- dev recall: gained d1; lost -" in shown and "e1" not in shown and "e3" not in shown and "held-out sets' ids are withheld" in shown


def test_triage_sets_that_differ_are_left_out_and_bad_ones_refused():
    before = {**BEFORE, "triage": _triage({"locked": (10, [], 8, []), "dev": (4, [], 4, [])})}
    fewer = compare_triage(before, {**BEFORE, "triage": _triage({"locked": (9, [], 8, []), "dev": (4, ["d1"], 4, [])})})
    assert fewer.skipped == ("locked: 10 emergencies and 8 other messages in the first report, 9 and 8 in the second",)
    assert [(c.group, c.measure, c.after) for c in fewer.changes] == [("dev", "recall", 3), ("dev", "specificity", 4)]
    fingerprinted = {**BEFORE, "triage": _triage({"locked": (10, [], 8, [])}, digests={"locked": "aaaa"})}
    reworded = {**BEFORE, "triage": _triage({"locked": (10, [], 8, [])}, digests={"locked": "bbbb"})}
    assert compare_triage(fingerprinted, reworded).skipped == ("locked: its messages differ between the reports (another version of the set file)",)
    assert "No triage set could be compared." in "\n".join(triage_comparison_markdown(compare_triage(fingerprinted, reworded)))
    # A report written before the fingerprints is checked by its counts only.
    assert [(c.group, c.measure, c.n) for c in compare_triage(fingerprinted, before).changes] == [("locked", "recall", 10), ("locked", "specificity", 8)]
    for bad in ((1, ["a", "b"], 8, []), (10, ["a", "a"], 8, []), (10, [], -1, [])):
        with pytest.raises(ReportError, match="lists of distinct ids within them"):
            compare_triage(before, {**BEFORE, "triage": _triage({"locked": bad})})
    with pytest.raises(ReportError, match=re.escape("triage set 'locked' has no system 'patterns-only' (it ran: layered)")):
        compare_triage(before, before, system="patterns-only")
    assert compare_triage(BEFORE, before).left_out == "Triage left out: the first report has none (a run with --no-triage)."
    assert compare_triage(BEFORE, BEFORE).left_out == "Triage left out: neither report has any (a run with --no-triage)."
    assert "Triage left out: the first report has none" in "\n".join(triage_comparison_markdown(compare_triage(BEFORE, before)))


def test_the_command_compares_the_triage_of_two_runs_and_not_of_one(tmp_path):
    before = {**BEFORE, "triage": _triage({"locked": (10, ["e1"], 8, [])})}
    after = {**_after(), "triage": _triage({"locked": (10, [], 8, [])})}
    (tmp_path / "before.json").write_text(json.dumps(before), encoding="utf-8")
    (tmp_path / "after.json").write_text(json.dumps(after), encoding="utf-8")
    runner = CliRunner()
    for extra in ([], ["--before-system", "dense-only"]):  # the answer system picked; each run's triage either way
        result = runner.invoke(main, ["compare", str(tmp_path / "before.json"), str(tmp_path / "after.json"), *extra])
        assert result.exit_code == 0, result.output
        assert "## Emergency triage (layered), message by message" in result.output
        assert "| locked | recall | 10 | 0.900 | 1.000 | 1 | 0 |" in result.output
    same = runner.invoke(main, ["compare", str(tmp_path / "before.json"), str(tmp_path / "before.json"), "--before-system", "dense-only"])
    assert same.exit_code == 0, same.output
    assert "Triage left out: both reports are the same run" in same.output and "| locked | recall |" not in same.output
