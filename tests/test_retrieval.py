"""Retrieval pieces: spelling correction, glosses, both fusions, and the ranking of safety-critical evidence."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import numpy as np
import pytest

from ldn_assistant.domains import load_profile
from ldn_assistant.lexicon import QueryExpander
from ldn_assistant.retrieval import _reciprocal_rank, _standardise
from ldn_assistant.safety import DISCLAIMERS, looks_like_drug_name, mentions_opioid
from ldn_assistant.spelling import Speller

EXPANDER = QueryExpander(load_profile("ldn"))
gloss, expansion_terms = EXPANDER.gloss, EXPANDER.expansion_terms


def test_speller_fixes_clinical_typos_and_leaves_ordinary_words_alone():
    speller = Speller(known=["shared", "doctors"], targets=["fibromyalgia", "naltrexone", "percocet", "formal"])
    assert speller.correct("naltrexon for fibromyalga with my percoset") == "naltrexone for fibromyalgia with my percocet"
    # 'normal' and 'doctor' are known words (by stem); nothing is 'corrected' into another word.
    assert speller.correct("Is it normal that my doctor refused?") == "Is it normal that my doctor refused?"


def test_gloss_names_the_class_of_a_drug_and_spells_out_abbreviations():
    glossed = gloss("I'm on tramadol. Is LDN ok for MS?")
    assert "tramadol (opioid medication)" in glossed
    assert "MS (multiple sclerosis)" in glossed
    assert gloss("What dose is typical?") == "What dose is typical?"
    # Lower-case "ms" and "me" in running text are words, not abbreviations.
    assert gloss("tell me if it helps") == "tell me if it helps"


def test_a_named_opioid_is_searched_for_as_its_class():
    assert expansion_terms("Percocet and low dose naltrexone together?") == "opioid medication"
    assert expansion_terms("Is LDN ok for RA?") == "rheumatoid arthritis"


@pytest.mark.parametrize("question", ["I take MS-Contin twice a day", "on mscontin and oxycodone", "Is LDN safe with tramadol?"])
def test_opioid_names_match_hyphenated_and_joined(question):
    assert mentions_opioid(question)


def test_drug_shaped_words_must_be_rare_in_everyday_english():
    assert looks_like_drug_name("sertraline") and looks_like_drug_name("gabapentin")
    assert not looks_like_drug_name("guideline") and not looks_like_drug_name("machine") and not looks_like_drug_name("routine")


def test_standardised_scores_and_reciprocal_ranks():
    values = np.array([3.0, 1.0, 2.0])
    z = _standardise(values)
    assert abs(float(z.mean())) < 1e-9 and abs(float(z.std()) - 1.0) < 1e-9
    assert list(np.argsort(-z)) == [0, 2, 1]
    assert np.allclose(_reciprocal_rank(values, 60), [1 / 61, 1 / 63, 1 / 62])
    assert np.all(_standardise(np.ones(4)) == 0)  # no spread, no information: no contribution
    assert _standardise(np.empty(0, dtype=np.float32)).shape == (0,)
    noisy = np.random.default_rng(3).normal(5.0, 2.0, 50).astype(np.float32)
    z = _standardise(noisy)
    assert z.dtype == np.float32 and np.allclose(z, (noisy - noisy.mean()) / noisy.std(), rtol=0, atol=1e-5)


@pytest.mark.slow
def test_unknown_fusion_is_a_clear_error(assistant):
    from ldn_assistant.retrieval import HybridRetriever

    with pytest.raises(ValueError, match="fusion must be 'score' or 'rrf'"):
        HybridRetriever(assistant.index, assistant.embedder, assistant.profile, fusion="sum")


@pytest.mark.slow
@pytest.mark.parametrize("fusion", ["score", "rrf"])
def test_both_fusions_return_verbatim_passages_best_first(assistant, fusion):
    from ldn_assistant.retrieval import HybridRetriever

    retriever = HybridRetriever(assistant.index, assistant.embedder, assistant.profile, fusion=fusion)
    found = retriever.search("What dose of LDN is used for chronic pain?", 5).results
    assert 1 <= len(found) <= 5
    assert [r.score for r in found] == sorted((r.score for r in found), reverse=True)
    for r in found:
        source = assistant.get_source(r.passage.source_id)
        assert source.text[r.passage.start : r.passage.end] == r.passage.text


@pytest.mark.slow
def test_the_dense_search_started_early_ranks_exactly_as_the_search_itself(assistant):
    """ask() starts the dense side on a worker thread as soon as the question is embedded (dense_in_background);
    handed to search(), it must give the very ranking search() gives when it runs the dense side itself."""
    retriever = assistant.retriever
    questions = ("What dose of LDN is used for chronic pain?", "I'm on tramadol. Is it OK to start LDN?", "Is LDN safe in pregnancy?")
    # k below and above the candidate count (40): the early search must fetch for the larger of the two, as search() does.
    for question, k in itertools.product(questions, (5, 50)):
        vector = assistant.embedder.embed_query(retriever.query_text(question))
        alone = retriever.search(question, k, query_vector=vector)
        early = retriever.search(question, k, query_vector=vector, dense=retriever.dense_in_background(vector, k))
        assert [(r.passage.passage_id, r.score, r.dense, r.lexical) for r in early.results] == [
            (r.passage.passage_id, r.score, r.dense, r.lexical) for r in alone.results
        ]
        assert len(early.results) == min(k, len(assistant.index.snapshot.passages))


@pytest.mark.slow
def test_ask_runs_its_dense_search_once_on_a_worker_and_answers_as_without_it(assistant, monkeypatch):
    """ask() hands the early search to search(): one Chroma query per question (two with the co-use passage), the first
    on a worker thread for max(candidates, top_k) passages, and the same answer as with the early search turned off."""
    questions = ("What dose of LDN is used for fibromyalgia?", "I'm on tramadol. Is it OK to start low dose naltrexone?")
    with_early = [assistant.ask(q) for q in questions]
    calls: list[tuple[str, int]] = []
    dense_hits = assistant.index.dense_hits

    def spy(vector, n):
        calls.append((threading.current_thread().name, n))
        return dense_hits(vector, n)

    monkeypatch.setattr(assistant.index, "dense_hits", spy)
    assistant.ask(questions[0])
    assert len(calls) == 1 and calls[0][0].startswith("ldn-dense") and calls[0][1] == max(assistant.settings.candidates, assistant.settings.top_k)
    monkeypatch.setattr(assistant.retriever, "dense_in_background", lambda vector, k: None)
    without = [assistant.ask(q) for q in questions]
    assert [a.to_dict() for a in with_early] == [a.to_dict() for a in without]


@pytest.mark.slow
def test_a_failing_dense_search_stops_no_emergency_and_answers_with_an_error(assistant, monkeypatch):
    """The early dense search runs before triage's verdict: if it fails, an emergency is still an emergency (its
    result is never read), and an ordinary question gets the error answer, with the disclaimers, as before."""

    def broken(*_args, **_kwargs):
        raise RuntimeError("vector store unavailable")

    monkeypatch.setattr(assistant.index, "dense_hits", broken)
    emergency = assistant.answer("My toddler just swallowed a handful of my naltrexone capsules and is very sleepy")
    assert emergency.status == "emergency"
    failed = assistant.answer("What dose of LDN is used for chronic pain?")
    assert failed.status == "error" and failed.disclaimers == DISCLAIMERS


@pytest.mark.slow
def test_an_early_search_that_cannot_start_takes_no_verdict_away(assistant, monkeypatch):
    """Starting the early search runs before triage's classifier: if it raises, the classifier still decides (here an
    emergency no pattern names), and an ordinary question is answered with the search run as before."""
    suicidal = "The pain never stops and I'm ready to end it for good."
    assert assistant.ask(suicidal).status == "emergency"

    def cannot_start(vector, k):
        raise ValueError("no worker")

    monkeypatch.setattr(assistant.retriever, "dense_in_background", cannot_start)
    assert assistant.answer(suicidal).status == "emergency"
    assert assistant.answer("What dose of LDN is used for chronic pain?").status == "answered"


@pytest.mark.slow
def test_a_retriever_without_a_dense_side_starts_no_dense_search(assistant):
    from ldn_assistant.retrieval import HybridRetriever

    bm25_only = HybridRetriever(assistant.index, assistant.embedder, assistant.profile, dense_weight=0.0)
    assert bm25_only.dense_in_background(np.zeros(384, dtype=np.float32), 5) is None


@pytest.mark.slow
@pytest.mark.parametrize("drug", ["tramadol", "Percocet", "a fentanyl patch", "Suboxone", "MS-Contin"])
def test_a_patient_on_an_opioid_is_shown_the_co_use_warning_passage(assistant, drug):
    """The corpus' own warning against LDN with opioid medications comes first for any opioid's name (the co-use
    passage of retrieval.HybridRetriever: without it the warning ranked 17th to 20th for these questions)."""
    answer = assistant.ask(f"I'm on {drug}. Is it OK to start low dose naltrexone?")
    assert answer.status == "answered" and answer.opioid_warning_first
    assert "not recommended for people currently taking opioid medications" in answer.passages[0].text


@pytest.mark.slow
@pytest.mark.parametrize("fusion", ["score", "rrf"])
def test_the_co_use_passage_goes_first_and_the_question_keeps_its_own_order(assistant, fusion):
    """A drug named in a question about something else: the co-use passage is lifted to first place, and the passages
    the question itself ranks follow in their own order, so what was asked is still answered."""
    from ldn_assistant.retrieval import HybridRetriever

    plain = HybridRetriever(assistant.index, assistant.embedder, assistant.profile, fusion=fusion, co_use=False)
    lifted = HybridRetriever(assistant.index, assistant.embedder, assistant.profile, fusion=fusion)
    question = "My patient is on methadone. What side effects does LDN have?"
    own = [r.passage.passage_id for r in plain.search(question, 40).results]
    shown = lifted.search(question, 5).results
    assert "not recommended for people currently taking opioid medications" in shown[0].passage.text
    assert [r.passage.passage_id for r in shown[1:]] == [p for p in own if p != shown[0].passage.passage_id][:4]
    assert "Side effects from LDN were minimal" in " ".join(r.passage.text for r in shown[:3])
    assert [r.score for r in shown] == sorted((r.score for r in shown), reverse=True)


@pytest.mark.slow
def test_only_a_drug_name_brings_the_co_use_passage(assistant):
    """A question that names only the class ("the opioid growth factor receptor") is about mechanism: no co-use search,
    ranked as without it. The corpus names its subject "LDN" more often than "naltrexone", so the aspect says "ldn"."""
    from ldn_assistant.retrieval import HybridRetriever

    retriever = HybridRetriever(assistant.index, assistant.embedder, assistant.profile)
    assert retriever.subject == "ldn"
    positions = np.arange(len(assistant.index.snapshot.passages))
    assert retriever._co_use("What is the role of the opioid growth factor receptor in how LDN works?", positions, 10) is None
    assert retriever._co_use("I'm on tramadol. Is it OK to start LDN?", positions, 10) is not None


def test_the_subject_is_named_as_the_corpus_names_it_most():
    from ldn_assistant.retrieval import _corpus_name_for

    assert _corpus_name_for({"naltrexone", "ldn", "revia"}, {"ldn": 72, "naltrexone": 52, "revia": 1}) == "ldn"
    assert _corpus_name_for({"naltrexone", "ldn"}, {"ldn": 5, "naltrexone": 5}) == "ldn"  # ties: alphabetically first
    assert _corpus_name_for({"naltrexone"}, {"aspirin": 3}) is None
    assert _corpus_name_for(set(), {"ldn": 3}) is None


def test_a_drug_class_tells_its_drugs_from_the_words_for_the_class():
    opioid = load_profile("ldn").drug_classes["opioid"]
    assert opioid.mentioned_in("how does LDN act on opioid receptors?") and not opioid.names_a_drug("how does LDN act on opioid receptors?")
    assert opioid.names_a_drug("still on my MS-Contin") and opioid.names_a_drug("I take Percocet")
    assert not opioid.names_a_drug("narcotics and opiates")


def test_a_drug_class_needs_names_or_words(tmp_path):
    from ldn_assistant.domains import ProfileError

    text = (Path(__file__).resolve().parents[1] / "src/ldn_assistant/domains/none.toml").read_text(encoding="utf-8")
    words_only = tmp_path / "words_only.toml"
    words_only.write_text(text + '\n[drugs.classes.opioid]\nwords = ["opioid"]\n', encoding="utf-8")
    opioid = load_profile(str(words_only)).drug_classes["opioid"]
    assert opioid.mentioned_in("opioid receptors") and not opioid.names_a_drug("opioid receptors")
    empty = tmp_path / "empty_class.toml"
    empty.write_text(text + "\n[drugs.classes.opioid]\nnames = []\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="lists no names or words"):
        load_profile(str(empty))


_TAPER = """# Coming off gabapentin

## Why a slow taper

Gabapentin should not be stopped all at once. Stopping suddenly can bring on anxiety, sweating and, rarely, seizures.

## A weekly schedule

Lower the daily gabapentin amount by about a tenth each week. Hold the amount steady for an extra week if symptoms return.

## Checking in

Review sleep, mood and pain at every step of the taper with the prescriber before the next reduction.
"""
_GARDEN = """# Notes from the allotment

## Tomatoes

Tomatoes want full sun and steady watering. Pinch out the side shoots each week.

## A neighbour's question

How should a gabapentin taper be done, my neighbour asked while we weeded. Then we talked about slugs.

## Compost

Turn the heap every fortnight so it stays warm and breaks down evenly.
"""


@pytest.fixture()
def two_documents(make_settings, embedder, tmp_path):
    """A document about tapering gabapentin throughout, and one that restates the question once in passing."""
    from ldn_assistant.assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "taper.md").write_text(_TAPER, encoding="utf-8")
    (corpus / "garden.md").write_text(_GARDEN, encoding="utf-8")
    assistant = Assistant(make_settings(domain="none"), embedder=embedder)
    assistant.ingest()
    return assistant


def test_each_passage_knows_its_document_and_documents_have_their_own_bm25(two_documents):
    snapshot = two_documents.index.snapshot
    rows = {p.source_id: set() for p in snapshot.passages}
    for passage, row in zip(snapshot.passages, snapshot.document_rows, strict=True):
        rows[passage.source_id].add(int(row))
    assert all(len(r) == 1 for r in rows.values()) and len({min(r) for r in rows.values()}) == 2
    scores = snapshot.document_lexical.scores("slugs tomatoes")
    garden = min(rows["garden.md"])
    assert scores[garden] > 0 and scores[1 - garden] == 0


def test_document_context_adds_the_same_share_to_every_passage_of_a_document(two_documents):
    """The context moves whole documents, never one passage against its siblings, and each passage's own
    BM25 (what the evidence gate reads) stays its own. How much it helps is measured on SciFact, not here."""
    from ldn_assistant.retrieval import DocumentContext

    retriever, snapshot = two_documents.retriever, two_documents.index.snapshot
    question = "How should a gabapentin taper be done?"
    own = snapshot.lexical.scores(question)
    with_context = retriever._with_document_lexical(own, question)
    added = with_context - own
    for source in ("taper.md", "garden.md"):
        shares = np.array([added[i] for i, p in enumerate(snapshot.passages) if p.source_id == source])
        assert np.allclose(shares, shares[0], rtol=1e-5) and shares[0] > 0

    try:
        found_on = retriever.search(question, 6).results
        retriever.context = DocumentContext(0.0, 0.0)
        found_off = retriever.search(question, 6).results
    finally:
        retriever.context = DocumentContext()
    own_on = {r.passage.passage_id: r.lexical for r in found_on}
    assert own_on == {r.passage.passage_id: r.lexical for r in found_off}
    assert 0.0 in own_on.values()  # the garden's other notes share no word with the question


def test_document_context_comes_from_the_setting_then_the_profile_then_the_engine(make_settings):
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.retrieval import DocumentContext

    assert Assistant(make_settings(domain="none"))._document_context() == DocumentContext()
    assert Assistant(make_settings(domain="ldn"))._document_context() == DocumentContext(0.0, 0.0)
    chosen = Assistant(make_settings(domain="ldn", document_dense_weight=1.0))._document_context()
    assert (chosen.dense_weight, chosen.lexical_weight) == (1.0, 0.0)


def test_the_bm25_weight_comes_from_the_setting_then_the_profile_then_the_engine(make_settings):
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.domains import load_profile
    from ldn_assistant.retrieval import LEXICAL_WEIGHT

    ldn = load_profile("ldn").retrieval.lexical_weight
    assert ldn is not None and ldn != LEXICAL_WEIGHT  # else this test could not tell the two apart
    assert Assistant(make_settings(domain="none"))._lexical_weight() == LEXICAL_WEIGHT
    assert Assistant(make_settings(domain="ldn"))._lexical_weight() == ldn
    assert Assistant(make_settings(domain="ldn", lexical_weight=0.5))._lexical_weight() == 0.5


@pytest.mark.parametrize(
    ("entry", "message"),
    [("document_weight = 1.0", r"unknown \[retrieval\] setting"), ("document_dense_weight = -1", "at least 0")],
)
def test_a_bad_retrieval_table_in_a_profile_is_refused(tmp_path, entry, message):
    from importlib.resources import files

    from ldn_assistant.domains.profile import ProfileError, load_profile_file

    bare = files("ldn_assistant.domains").joinpath("none.toml").read_text(encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(f"{bare}\n[retrieval]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile_file(path)


def test_bm25_scores_are_scipys_column_sums_bit_for_bit():
    """BM25Index.scores adds each query term's postings itself; the sums must be those of the sliced sparse matrix."""
    import random

    from conftest import CORPUS

    from ldn_assistant.lexical import BM25Index
    from ldn_assistant.text import terms

    texts = [t.read_text(encoding="utf-8") for t in sorted(CORPUS.glob("*.txt"))]
    passages = [p for text in texts for p in text.split("\n\n") if p.strip()]
    index = BM25Index(passages)
    vocabulary = sorted(index.surface_words)
    rng = random.Random(7)
    for _ in range(300):
        query = " ".join(rng.sample(vocabulary, rng.randint(1, 12)))
        ids = sorted({index.vocabulary[t] for t in terms(query) if t in index.vocabulary})
        expected = np.asarray(index.matrix[:, ids].sum(axis=1)).ravel()
        got = index.scores(query)
        assert got.dtype == expected.dtype and np.array_equal(got, expected), query
    assert not index.scores("zzzz qqqq").any()
