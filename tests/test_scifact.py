"""SciFact suite: the metrics on hand-made rankings, and a small real run of the bare engine.

The real run writes a 200-abstract dev corpus with the benchmark's own make_corpus.py, ingests it
with the real model into a real Chroma index, and scores the first 20 dev claims with all four
systems. It needs the SciFact release beside the repository (../shared/benchmarks/scifact) or in
$LDN_SCIFACT_DIR; it reads no network.
"""

from __future__ import annotations

import json

import pytest

from ldn_assistant.evaluation.scifact import ScifactOptions, SystemScores, new_abstract_claims, run_scifact, score_claim
from ldn_assistant.evaluation.scifact_compare import compare_scifact_reports
from ldn_assistant.evaluation.scifact_data import Claim, CorpusSpec, ScifactDataError, find_benchmark_dir, scorable
from ldn_assistant.evaluation.scifact_metrics import (
    distinct_documents,
    document_ndcg,
    document_recall,
    first_hit_rank,
    rationale_hits,
)
from ldn_assistant.evaluation.scifact_report import write_report
from ldn_assistant.evaluation.scifact_systems import SCIFACT_SYSTEMS, RankedPassage

# 1/log2(rank + 1) for ranks 1..4, written out so the expected values below can be checked by hand.
G1, G2, G3, G4 = 1.0, 0.6309297536, 0.5, 0.4306765581


# --- metrics on hand-made rankings ------------------------------------------------------------


def test_passages_become_distinct_documents_at_their_first_rank():
    assert distinct_documents(["7.txt", "7.txt", "docs/3.txt", "7.txt", "12.txt"]) == ["7", "3", "12"]


def test_ndcg_two_relevant_at_ranks_two_and_four():
    # DCG = G2 + G4 = 1.0616063117; ideal = G1 + G2 = 1.6309297536; ratio 0.6509209.
    assert document_ndcg(["x", "a", "y", "b"], {"a", "b"}) == pytest.approx(0.6509209, abs=1e-6)
    assert document_recall(["x", "a", "y", "b"], {"a", "b"}) == 1.0


def test_ndcg_one_of_three_relevant_found_at_rank_three():
    # DCG = G3 = 0.5; ideal = G1 + G2 + G3 = 2.1309297536; ratio 0.2346394.
    assert document_ndcg(["x", "y", "a"], {"a", "b", "c"}) == pytest.approx(0.2346394, abs=1e-6)
    assert document_recall(["x", "y", "a"], {"a", "b", "c"}) == pytest.approx(1 / 3)


def test_perfect_and_empty_rankings():
    assert document_ndcg(["a"], {"a"}) == 1.0
    assert document_ndcg(["b", "a"], ["a"]) == pytest.approx(G2)
    assert document_ndcg([], {"a"}) == 0.0
    assert document_ndcg(["a"], set()) == 0.0  # no relevant document: nothing to find
    assert document_recall(["a"], set()) == 0.0


def test_only_the_first_ten_documents_count():
    ranked = [f"d{i}" for i in range(1, 13)]  # d1..d12
    assert document_ndcg(ranked, {"d11"}) == 0.0
    assert document_recall(ranked, {"d11", "d1"}) == 0.5
    # Twelve relevant documents: the ideal list fills all ten ranks, so ten hits is perfect, recall 10/12.
    assert document_ndcg(ranked, set(ranked)) == pytest.approx(1.0)
    assert document_recall(ranked, set(ranked)) == pytest.approx(10 / 12)


def test_rationale_hits_ignore_whitespace_differences():
    evidence = ["LDN reduced pain scores by 30%."]
    passages = ["Unrelated text.", "Results: LDN reduced pain\nscores by  30%. More.", "LDN reduced pain."]
    hits = rationale_hits(passages, evidence)
    assert hits == [False, True, False]
    assert first_hit_rank(hits) == 2
    assert first_hit_rank([False, False]) is None


def test_claim_scores_and_their_averages():
    with_evidence = Claim("c1", "dev", "claim one", ("2",), ("Gold sentence.",))
    without = Claim("c2", "dev", "claim two", ("5",), ())
    ranked = [RankedPassage("1.txt", "Other."), RankedPassage("2.txt", "A Gold sentence. B"), RankedPassage("2.txt", "More.")]
    one = score_claim(with_evidence, ranked)
    assert (one.ndcg_at_10, one.recall_at_10, one.top_docs, one.distinct_docs) == (pytest.approx(G2), 1.0, ("1", "2"), 2)
    assert one.rationale_rank == 2 and one.rationale_hit(1) == 0.0 and one.rationale_hit(3) == 1.0
    two = score_claim(without, [RankedPassage("5.txt", "Anything.")])
    assert two.ndcg_at_10 == 1.0 and two.rationale_rank is None and not two.has_evidence

    scores = SystemScores("x", (one, two), seconds=1.0)
    assert scores.ndcg_at_10 == pytest.approx((G2 + 1.0) / 2)
    # Rationale hits average over the claims with evidence only: one claim here.
    assert scores.rationale_hit(1) == 0.0 and scores.rationale_hit(3) == 1.0
    assert scores.short_rankings == 2  # both rankings hold fewer than ten documents
    assert json.loads(json.dumps(scores.to_dict()))["per_claim"][0]["claim_id"] == "c1"

    alone = scores.quality(frozenset({"c2"}))
    assert alone == {"ndcg@10": 1.0, "recall@10": 1.0, "rationale_hit@1": None, "rationale_hit@3": None, "claims": 1, "claims_with_evidence": 0}
    assert scores.quality()["claims"] == 2 and scores.quality()["ndcg@10"] == scores.ndcg_at_10


def test_new_abstract_claims_cite_no_abstract_that_a_train_claim_cites(tmp_path):
    rows = [{"id": 1, "claim": "t", "evidence": {}, "cited_doc_ids": [10, 11]}, {"id": 2, "claim": "t", "evidence": {}, "cited_doc_ids": [12]}]
    (tmp_path / "claims_train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    claims = (
        Claim("new", "dev", "t", ("20",), ()),
        Claim("shared", "dev", "t", ("11",), ()),
        Claim("mixed", "dev", "t", ("21", "12"), ()),  # one new abstract and one train cites: not new
    )
    assert new_abstract_claims(tmp_path, claims) == frozenset({"new"})


def test_claims_with_an_absent_cited_document_are_not_scored():
    claims = (
        Claim("a", "dev", "t", ("1", "2"), ()),
        Claim("b", "dev", "t", ("1", "9"), ()),
        Claim("c", "dev", "t", (), ()),
    )
    assert [c.id for c in scorable(claims, {"1", "2", "3"})] == ["a"]


def test_missing_release_folder_names_the_override(tmp_path):
    with pytest.raises(ScifactDataError, match="LDN_SCIFACT_DIR"):
        find_benchmark_dir(tmp_path / "nowhere")


# --- a small real run -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run(embedder, tmp_path_factory):
    try:
        find_benchmark_dir()
    except ScifactDataError as exc:
        pytest.skip(str(exc))
    cache = tmp_path_factory.mktemp("scifact")
    options = ScifactOptions(split="dev", corpus=CorpusSpec(n_docs=200, splits=("dev",)), max_claims=20, cache_dir=cache)
    return run_scifact(options, embedder=embedder)


@pytest.mark.slow
def test_small_real_run_scores_all_four_systems(small_run, tmp_path):
    run = small_run
    assert run.corpus.n_docs == 200 and run.doc_claims == 20 and run.evidence_claims >= 10
    assert [s.system for s in run.systems] == list(SCIFACT_SYSTEMS)
    for s in run.systems:
        assert len(s.claims) == 20
        for value in (s.ndcg_at_10, s.recall_at_10, s.rationale_hit(1), s.rationale_hit(3)):
            assert value is not None and 0.0 <= value <= 1.0, (s.system, value)
    engine = run.systems[0]
    # A conservative floor: on 200 abstracts, nearly all of them cited by some dev claim, the engine
    # reached 0.997 on these 20 claims (2026-11-23) and BM25 alone 0.96; 0.8 catches a broken ranking,
    # not a small regression (the full-size runs measure those).
    assert engine.ndcg_at_10 >= 0.8

    written = write_report(run, tmp_path / "report")
    data = json.loads(written.json.read_text(encoding="utf-8"))
    assert [s["system"] for s in data["systems"]] == list(SCIFACT_SYSTEMS)
    assert data["published"]["comparable"] is False and data["corpus"]["n_docs"] == 200
    report = written.markdown.read_text(encoding="utf-8")
    assert "| ldn-assistant |" in report
    # Each system's rationale hit@3 with an interval around it, from the same claims.
    interval = engine.rationale_hit_interval(3)
    assert interval is not None and interval.low <= engine.rationale_hit(3) <= interval.high and interval.high - interval.low > 0.05
    assert f"ldn-assistant {engine.rationale_hit(3):.3f} ({interval})" in report

    # The claims apart whose abstracts no train claim cites, counted here from the release file itself.
    train_cited = set()
    with open(find_benchmark_dir() / "claims_train.jsonl", encoding="utf-8") as handle:
        for line in handle:
            train_cited.update(str(d) for d in json.loads(line)["cited_doc_ids"])
    scored = {c.claim_id: c for c in engine.claims}
    apart = {claim_id for claim_id in scored if not train_cited & set(_cited(claim_id))}
    assert run.new_abstract_claims == apart and 0 < len(apart) < 20
    assert data["apart_from_train"]["new_abstract_claims"] == sorted(apart)
    assert [s["system"] for s in data["apart_from_train"]["systems"]] == list(SCIFACT_SYSTEMS)
    engine_apart = data["apart_from_train"]["systems"][0]
    for group, ids in (("new_abstracts", apart), ("others", set(scored) - apart)):
        part = engine_apart[group]
        assert part["claims"] == len(ids)
        assert part["ndcg@10"] == pytest.approx(sum(scored[c].ndcg_at_10 for c in ids) / len(ids))
        assert part["recall@10"] == pytest.approx(sum(scored[c].recall_at_10 for c in ids) / len(ids))
        assert part["claims_with_evidence"] == sum(scored[c].has_evidence for c in ids)
    assert f"| ldn-assistant | no abstract train cites ({len(apart)}, " in report
    assert f"| ldn-assistant | an abstract train cites ({20 - len(apart)}, " in report


@pytest.mark.slow
def test_a_comparison_of_two_real_systems_agrees_with_the_report(small_run, tmp_path):
    """The engine against its BM25 side claim by claim, from the written report: the comparison's means and rates
    must give back the report's own figures."""
    written = write_report(small_run, tmp_path / "report")
    data = json.loads(written.json.read_text(encoding="utf-8"))
    comparison = compare_scifact_reports(data, data, before_system="bm25-only")
    bm25, engine = (next(s for s in data["systems"] if s["system"] == name) for name in ("bm25-only", "ldn-assistant"))
    graded = {(g.group, g.measure): g for g in comparison.graded}
    hits = {(h.group, h.measure): h for h in comparison.hits}
    for measure, key in (("nDCG@10", "ndcg@10"), ("recall@10", "recall@10")):
        change = graded[("all claims", measure)]
        assert change.n == 20 and change.before_mean == pytest.approx(bm25[key]) and change.after_mean == pytest.approx(engine[key])
        # Higher and lower: the claims whose scores moved, counted here from the report's own per-claim lists.
        before_scores = {c["claim_id"]: c[key.replace("@", "_at_")] for c in bm25["per_claim"]}
        after_scores = {c["claim_id"]: c[key.replace("@", "_at_")] for c in engine["per_claim"]}
        assert len(change.better) == sum(after_scores[c] > before_scores[c] for c in after_scores)
        assert len(change.worse) == sum(after_scores[c] < before_scores[c] for c in after_scores)
    for k in (1, 3):
        change = hits[("all claims", f"rationale hit@{k}")]
        assert change.n == data["evidence_claims"]
        assert change.before_rate == pytest.approx(bm25[f"rationale_hit@{k}"]) and change.after_rate == pytest.approx(engine[f"rationale_hit@{k}"])
    apart = data["apart_from_train"]["new_abstract_claims"]
    assert graded[("new abstracts", "nDCG@10")].n == len(apart)
    engine_apart = next(s for s in data["apart_from_train"]["systems"] if s["system"] == "ldn-assistant")
    assert graded[("new abstracts", "nDCG@10")].after_mean == pytest.approx(engine_apart["new_abstracts"]["ndcg@10"])
    assert graded[("abstracts train cites", "nDCG@10")].after_mean == pytest.approx(engine_apart["others"]["ndcg@10"])

    from click.testing import CliRunner

    from ldn_assistant.cli import main

    result = CliRunner().invoke(main, ["compare", str(tmp_path / "report"), str(tmp_path / "report"), "--before-system", "bm25-only"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"# SciFact {data['name']}, bm25-only -> ldn-assistant") and "| all claims | nDCG@10 | 20 |" in result.output


def _cited(claim_id: str) -> list[str]:
    """A dev claim's cited abstracts, read from the release."""
    number = int(claim_id.rsplit("-", 1)[1])
    with open(find_benchmark_dir() / "claims_dev.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [str(d) for row in rows if row["id"] == number for d in row["cited_doc_ids"]]


# --- the command line -------------------------------------------------------------------------


def test_cli_rejects_scifact_options_without_the_suite_and_mixed_suites():
    from click.testing import CliRunner

    from ldn_assistant.evaluation.runner import eval_command

    runner = CliRunner()
    alone = runner.invoke(eval_command, ["--split", "train"])
    assert alone.exit_code == 2 and "--suite scifact" in alone.output
    mixed = runner.invoke(eval_command, ["core", "--suite", "scifact"])
    assert mixed.exit_code == 2 and "not both" in mixed.output
    bad_size = runner.invoke(eval_command, ["--suite", "scifact", "--n-docs", "many"])
    assert bad_size.exit_code == 2 and "full" in bad_size.output
    bad_metric = runner.invoke(eval_command, ["--suite", "scifact", "--fail-under", "hit@3=0.5"])
    assert bad_metric.exit_code == 2 and "ndcg@10" in bad_metric.output
