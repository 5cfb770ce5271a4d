"""Triage's word model: the same scores as scikit-learn's tf-idf and logistic regression, kept and read back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from ldn_assistant.domains import load_profile
from ldn_assistant.triage_words import MIN_DOCUMENTS, WordModel, term_counts, terms, train_word_model

SEMANTIC = load_profile("ldn").triage.semantic
EMERGENCIES = [t for group in SEMANTIC.emergency.values() for t in group]
CONTRASTS = [t for group in SEMANTIC.contrast.values() for t in group]
BANK = EMERGENCIES + CONTRASTS
LABELS = np.r_[np.ones(len(EMERGENCIES)), np.zeros(len(CONTRASTS))]
PROBES = [
    "my toddler swallowed two of my capsules",
    "Can LDN cause chest pain?",
    "i took every pill in the house and im so sleepy",
    "What is the usual starting dose?",
    "",  # no terms at all: the intercept alone
    "Zzyzx qwertyuiop",  # no known term either
]


@pytest.fixture(scope="module")
def model() -> WordModel:
    return train_word_model(BANK, LABELS, SEMANTIC.word_l2)


def test_terms_are_lowercased_words_then_adjacent_pairs():
    assert terms("I can't WAKE him!") == ["i", "can", "t", "wake", "him", "i can", "can t", "t wake", "wake him"]
    assert terms("   ") == []
    assert term_counts("no no no") == term_counts("NO. No, no")


def test_scores_equal_scikit_learns_tfidf_and_logistic_regression(model):
    """The hand-rolled scorer (no scikit-learn at run time) is the textbook pipeline: sublinear tf-idf with smoothed
    idf, unit rows, terms in at least MIN_DOCUMENTS exemplars, L2-penalised logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), sublinear_tf=True, min_df=MIN_DOCUMENTS)
    regression = LogisticRegression(C=1.0 / SEMANTIC.word_l2, max_iter=5000).fit(vectorizer.fit_transform(BANK), LABELS)
    texts = PROBES + BANK[::97]
    expected = regression.decision_function(vectorizer.transform(texts))
    # Two L-BFGS runs over the same problem (columns in another order) stop within their tolerance of one optimum.
    assert np.abs(model.logits(texts) - expected).max() < 1e-4
    assert len(model.weights) == len(vectorizer.vocabulary_)  # one kept term per vocabulary entry: no hash collided
    assert model.logit("") == model.logit("Zzyzx qwertyuiop") == model.intercept


def test_it_learned_the_bank(model):
    logits = model.logits(BANK)
    assert ((logits > 0) == LABELS.astype(bool)).mean() > 0.95
    assert model.logit(PROBES[0]) > 0 > model.logit(PROBES[1])


def test_a_kept_model_reads_back_equal_and_a_wrong_array_is_refused(model):
    again = WordModel.from_array(model.to_array())
    assert again == model
    assert np.array_equal(again.logits(PROBES), model.logits(PROBES))
    for bad in (np.zeros(5), np.zeros((2, 4)), np.zeros((3, 0)), np.zeros((3, 3))):
        with pytest.raises(ValueError, match="not a word model's array"):
            WordModel.from_array(bad)


def test_a_term_of_one_exemplar_alone_gets_no_weight():
    texts = ["help he is not breathing", "help she is not breathing", "what dose is usual", "what dose helps sleep", "zebrafish"]
    trained = train_word_model(texts, np.array([1.0, 1.0, 0.0, 0.0, 0.0]), 1.0)
    kept = {key for key in trained.weights}
    assert term_counts("zebrafish").keys().isdisjoint(kept) and term_counts("he").keys().isdisjoint(kept)
    assert term_counts("not breathing").keys() <= kept


def test_a_bank_sharing_no_term_gives_its_log_odds():
    trained = train_word_model(["he is fitting", "dose of LDN", "what time"], np.array([1.0, 0.0, 0.0]), 1.0)
    assert trained.weights == {} and trained.logit("he is fitting") == pytest.approx(np.log(1 / 2))


def test_training_without_both_kinds_or_with_no_penalty_is_a_clear_error():
    with pytest.raises(ValueError, match="both emergency and contrast"):
        train_word_model(["a b", "c d"], np.ones(2), 1.0)
    with pytest.raises(ValueError, match="penalty above 0"):
        train_word_model(["a b", "c d"], np.array([1.0, 0.0]), 0.0)
