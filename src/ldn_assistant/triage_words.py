"""Triage's word model: a logistic regression over a message's words and word pairs, read beside the network.

The network reads the sentence model's vectors, and mean pooling over a small model blurs exactly what tells a crisis
from a question about one: who ("I", "my son"), when ("right now", "last year") and how ("took all of them" against
"what if someone took"). Words and adjacent word pairs keep those. Held out one exemplar writer at a time
(evals/tools/triage_cv.py, no held-out set read), the network ranked emergencies above contrasts with mean ROC AUC
0.982; this model alone 0.991, and the two logits added (the word model's times the profile's word_weight) 0.995,
higher for every held-out writer (docs/eval.md).

Terms are the lower-cased runs of letters and digits ("i", "took", "kms") and each adjacent pair of them ("took
all"), hashed with CRC-32 so that the trained model is numbers alone, kept on disk like the network's weights. A
message's terms are weighted tf-idf (1 + log of the count, times the bank's inverse document frequency) and scaled
to unit length; a term seen in fewer than MIN_DOCUMENTS exemplars is dropped. Training uses scikit-learn's L-BFGS
logistic regression, imported only when a bank is trained; scoring is a few dictionary lookups.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata

import numpy as np

# Bump when how terms are made or weighted changes: trained models kept on disk are keyed by it.
WORD_METHOD = "words-pairs-crc32-tfidf-lbfgs-1"
MIN_DOCUMENTS = 2  # a term in one exemplar alone is that writer's wording, not a sign (and keeps the model small)
ITERATIONS = 5000  # L-BFGS steps; the loss is convex and settles well before

_WORD = re.compile(r"\w+")


def terms(text: str) -> list[str]:
    """The words of `text`, lower-cased, then each adjacent pair of them."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def term_counts(text: str) -> Counter[int]:
    """How often each term's hash occurs in `text`."""
    return Counter(zlib.crc32(term.encode()) for term in terms(text))


@dataclass(frozen=True)
class WordModel:
    """Per kept term hash: (inverse document frequency, coefficient); and the intercept."""

    weights: dict[int, tuple[float, float]]
    intercept: float

    def logit(self, text: str) -> float:
        weighted = [((1.0 + math.log(count)) * found[0], found[1]) for key, count in term_counts(text).items() if (found := self.weights.get(key))]
        length = math.sqrt(sum(value * value for value, _ in weighted))
        if not length:
            return self.intercept
        return self.intercept + sum(value * coefficient for value, coefficient in weighted) / length

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.logit(text) for text in texts], dtype=np.float64)

    def to_array(self) -> np.ndarray:
        """Rows: term hash, idf, coefficient; column 0 holds the intercept (hash -1). Hashes below 2**32 are exact in float64."""
        keys = sorted(self.weights)
        return np.array(
            [[-1.0, *map(float, keys)], [0.0, *(self.weights[k][0] for k in keys)], [self.intercept, *(self.weights[k][1] for k in keys)]],
            dtype=np.float64,
        )

    @classmethod
    def from_array(cls, array: np.ndarray) -> WordModel:
        if array.ndim != 2 or array.shape[0] != 3 or array.shape[1] < 1 or array[0, 0] != -1.0:
            raise ValueError(f"not a word model's array: shape {array.shape}")
        keys, idf, coefficients = array[0, 1:], array[1, 1:], array[2, 1:]
        weights = dict(zip(keys.astype(np.int64).tolist(), zip(idf.tolist(), coefficients.tolist(), strict=True), strict=True))
        return cls(weights, float(array[2, 0]))


def word_ident(l2: float) -> dict[str, object]:
    """Everything besides the bank that the trained word model depends on (its key on disk)."""
    # L-BFGS runs in SciPy, called by scikit-learn: either's version may move the optimum's last digits.
    versions = {name: metadata.version(name) for name in ("scikit-learn", "scipy")}
    return {"method": WORD_METHOD, "min_documents": MIN_DOCUMENTS, "iterations": ITERATIONS, **versions, "l2": l2}


def train_word_model(texts: Sequence[str], labels: np.ndarray, l2: float) -> WordModel:
    """A word model from exemplars (labels 1 for an emergency, 0 for a contrast). `l2` is the penalty on the
    coefficients relative to the loss summed over the exemplars (scikit-learn's C is its inverse)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(labels, dtype=np.float64)
    if len(np.unique(labels)) < 2:
        raise ValueError("triage's word model needs both emergency and contrast exemplars to learn from")
    if l2 <= 0:
        raise ValueError(f"triage's word model needs a penalty above 0, not {l2}")
    counts = [term_counts(text) for text in texts]
    documents = Counter(key for found in counts for key in found)
    kept = sorted(key for key, n in documents.items() if n >= MIN_DOCUMENTS)
    if not kept:
        # A tiny bank (a test's, a new profile's first exemplars) shares no term: the model is the log-odds of the
        # bank, what the regression would fit with no features (its intercept is not penalised).
        share = float(labels.mean())
        return WordModel({}, math.log(share / (1.0 - share)))
    column = {key: at for at, key in enumerate(kept)}
    # scikit-learn's smoothed idf, as if one more exemplar held every term: no term weighs zero.
    idf = np.array([math.log((1 + len(texts)) / (1 + documents[key])) + 1.0 for key in kept])
    rows, columns, values = [], [], []
    for row, found in enumerate(counts):
        for key, count in found.items():
            if key in column:
                rows.append(row)
                columns.append(column[key])
                values.append((1.0 + math.log(count)) * idf[column[key]])
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(len(texts), len(kept)))
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(1.0 / np.where(lengths > 0, lengths, 1.0)) @ matrix
    regression = LogisticRegression(C=1.0 / l2, max_iter=ITERATIONS).fit(matrix, labels)
    coefficients = regression.coef_[0]
    return WordModel({key: (float(idf[at]), float(coefficients[at])) for at, key in enumerate(kept)}, float(regression.intercept_[0]))
