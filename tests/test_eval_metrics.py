"""The eval metrics on hand-made inputs; every expected value is worked out by hand in the comments."""

from __future__ import annotations

import math

import pytest

from ldn_assistant.evaluation.metrics import (
    CaseOutcome,
    abstention_scores,
    contains_evidence,
    hit_at_k,
    hit_curve,
    ndcg_at_k,
    normalize,
    reciprocal_rank,
    summarize,
)
from ldn_assistant.evaluation.percentile import percentile


def outcome(expected="answered", status="answered", relevant=(), n_refs=1, latency=10.0, disclaimers=True, **kw) -> CaseOutcome:
    n = len(relevant)
    return CaseOutcome(
        case_id=kw.get("case_id", "c"),
        category=kw.get("category", "clinician"),
        expected_status=expected,
        status=status,
        relevant=tuple(relevant),
        verbatim=kw.get("verbatim", (True,) * n),
        resolvable=kw.get("resolvable", (True,) * n),
        disclaimers_ok=disclaimers,
        latency_ms=latency,
        n_references=n_refs,
    )


def test_evidence_matching_ignores_runs_of_whitespace_but_not_words():
    passage = "LDN is started at 1.5 mg\n  daily and\tincreased."
    assert normalize(" a \n\t b  ") == "a b"
    assert contains_evidence(passage, ["started at 1.5 mg daily and increased"])
    assert contains_evidence(passage, ["not here", "1.5 mg daily"])  # any one string is enough
    assert not contains_evidence(passage, ["started at 4.5 mg daily"])
    assert not contains_evidence(passage, [])
    assert not contains_evidence(passage, ["   "])  # a blank evidence string never matches everything


def test_hit_at_k():
    ranks = [False, False, True, False]
    assert hit_at_k(ranks, 1) == 0.0
    assert hit_at_k(ranks, 2) == 0.0
    assert hit_at_k(ranks, 3) == 1.0  # relevant at rank 3
    assert hit_at_k(ranks, 10) == 1.0  # k beyond the list is fine
    assert hit_at_k([], 5) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank([True, True]) == 1.0
    assert reciprocal_rank([False, False, False, True]) == 0.25  # first relevant at rank 4
    assert reciprocal_rank([False] * 10 + [True]) == 0.0  # rank 11 is past the @10 cutoff
    assert reciprocal_rank([]) == 0.0


def test_ndcg_with_hand_computed_values():
    # One evidence string, relevant at rank 2: DCG = 1/log2(3); IDCG = 1/log2(2) = 1.
    assert ndcg_at_k([False, True], 1) == pytest.approx(1 / math.log2(3))  # 0.6309
    # Two evidence strings, relevant at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5;
    # IDCG = 1 + 1/log2(3) = 1.6309; nDCG = 0.91972.
    assert ndcg_at_k([True, False, True], 2) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([True, False, True], 2) == pytest.approx(0.91972, abs=1e-5)
    # Three strings but only one relevant passage, at rank 1: 1 / (1 + 0.6309 + 0.5) = 0.4693.
    assert ndcg_at_k([True], 3) == pytest.approx(1 / (1 + 1 / math.log2(3) + 0.5))
    assert ndcg_at_k([True, True, True], 1) == 1.0  # more relevant passages than strings: capped at 1
    assert ndcg_at_k([False, False], 2) == 0.0
    assert ndcg_at_k([True], 0) == 0.0  # nothing to find


def test_abstention_precision_and_recall():
    pairs = [
        ("no_evidence", "no_evidence"),  # should abstain, did: TP
        ("emergency", "out_of_scope"),  # should abstain, did (wrong status, still an abstention): TP
        ("out_of_scope", "answered"),  # should abstain, answered: FN
        ("answered", "no_evidence"),  # should answer, abstained: FP
        ("answered", "answered"),  # TN
    ]
    precision, recall = abstention_scores(pairs)
    assert precision == pytest.approx(2 / 3)  # TP / (TP + FP) = 2 / 3
    assert recall == pytest.approx(2 / 3)  # TP / (TP + FN) = 2 / 3
    # A system that never abstains has no precision, and recall 0 when it should have.
    assert abstention_scores([("emergency", "answered"), ("answered", "answered")]) == (None, 0.0)
    assert abstention_scores([("answered", "answered")]) == (None, None)


def test_percentile_interpolates_between_ranks():
    assert percentile([40.0, 10.0, 30.0, 20.0], 50) == 25.0  # midway between 20 and 30
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)  # pos 3.8: 4 + 0.8 * 1
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError, match="no values"):  # one percentile for eval and bench: empty input is an error
        percentile([], 50)


def test_latency_of_no_cases_is_reported_as_undefined_not_zero():
    m = summarize([])
    assert m.latency_p50_ms is None and m.latency_p95_ms is None


def test_summarize_over_a_small_hand_made_run():
    outcomes = [
        outcome(relevant=(True, False), n_refs=1, latency=10.0),  # hit@1, RR 1, nDCG 1
        outcome(relevant=(False, False, True), n_refs=1, latency=20.0),  # hit@3, RR 1/3, nDCG 0.5
        # Should answer but abstained: its passages are not shown, so it scores 0 everywhere.
        outcome(status="no_evidence", relevant=(), n_refs=2, latency=30.0),
        outcome(expected="emergency", status="emergency", relevant=(), n_refs=0, latency=40.0),
        outcome(
            expected="out_of_scope", status="answered", relevant=(False,), n_refs=0, latency=50.0, disclaimers=False, verbatim=(False,), resolvable=(False,)
        ),
    ]
    m = summarize(outcomes)
    assert (m.n_cases, m.n_answerable) == (5, 3)
    assert m.hit_at_1 == pytest.approx(1 / 3)
    assert m.hit_at_3 == pytest.approx(2 / 3)
    assert m.hit_at_5 == pytest.approx(2 / 3)
    assert m.mrr_at_10 == pytest.approx((1 + 1 / 3 + 0) / 3)  # 0.4444
    assert m.ndcg_at_10 == pytest.approx((1 + 0.5 + 0) / 3)  # rank 3: 1/log2(4) = 0.5
    assert m.status_accuracy == pytest.approx(3 / 5)  # cases 1, 2, 4
    # Abstained on cases 3 (wrongly) and 4 (rightly); should have on 4 and 5.
    assert m.abstention_precision == pytest.approx(1 / 2)
    assert m.abstention_recall == pytest.approx(1 / 2)
    assert m.disclaimer_rate == pytest.approx(4 / 5)
    assert m.verbatim_rate == pytest.approx(5 / 6)  # 6 passages in all, one not verbatim
    assert m.citation_rate == pytest.approx(5 / 6)
    assert m.latency_p50_ms == 30.0
    assert m.latency_p95_ms == pytest.approx(48.0)  # pos 3.8 between 40 and 50
    d = m.to_dict()
    assert d["hit@3"] == m.hit_at_3 and d["mrr@10"] == m.mrr_at_10 and d["status_accuracy"] == m.status_accuracy


def test_summarize_of_cases_without_evidence_leaves_ranking_undefined():
    m = summarize([outcome(expected="emergency", status="emergency")])
    assert m.hit_at_1 is None and m.mrr_at_10 is None and m.ndcg_at_10 is None
    assert m.status_accuracy == 1.0
    assert m.verbatim_rate is None  # no passage was shown at all


def test_hit_curve_is_cumulative():
    outcomes = [outcome(relevant=(False, True)), outcome(relevant=(False, False, False, True)), outcome(expected="emergency", status="emergency")]
    curve = hit_curve(outcomes, max_k=5)
    assert curve == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert hit_curve([outcome(expected="emergency", status="emergency")]) == []
