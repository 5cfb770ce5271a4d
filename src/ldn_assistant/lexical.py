"""BM25 over the passages as one sparse matrix, so a query costs a few column sums, not a loop over passages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .text import terms, words


class BM25Index:
    """Okapi BM25 with the per-term passage weights precomputed."""

    def __init__(self, texts: Sequence[str], k1: float = 0.9, b: float = 0.4) -> None:
        # k1 and b below the textbook 1.2/0.75: passages here are short and alike in length (tuned on evals/core.jsonl).
        self.vocabulary: dict[str, int] = {}
        self.surface_counts: Counter[str] = Counter()  # unstemmed words and their counts: spelling, scope
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            self.surface_counts.update(words(text))
            tf = Counter(terms(text))
            lengths[row] = sum(tf.values())
            for term, n in tf.items():
                rows.append(row)
                cols.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                counts.append(n)
        n_docs = max(len(texts), 1)
        shape = (len(texts), max(len(self.vocabulary), 1))
        tf_matrix = sparse.csr_matrix((np.array(counts, dtype=np.float32), (rows, cols)), shape=shape)
        df = np.bincount(np.array(cols, dtype=np.int64), minlength=shape[1]).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg_len = float(lengths.mean()) if len(texts) else 1.0
        # Weight each stored count once: tf*(k1+1) / (tf + k1*(1-b+b*len/avg)) * idf.
        coo = tf_matrix.tocoo()
        norm = k1 * (1 - b + b * lengths[coo.row] / max(avg_len, 1e-9))
        weights = coo.data * (k1 + 1) / (coo.data + norm) * idf[coo.col]
        self.matrix = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=shape)
        self.size = len(texts)

    @property
    def surface_words(self) -> set[str]:
        return set(self.surface_counts)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query terms (repeats counted once)."""
        ids = sorted({self.vocabulary[t] for t in terms(query) if t in self.vocabulary})
        if not ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        # Each term's postings added in turn, as scipy's column sum adds them (same float32 sums, bit for bit),
        # without building a sliced matrix: a query has a handful of terms, and this runs twice per question.
        matrix = self.matrix
        total = np.zeros(self.size, dtype=np.float32)
        for column in ids:
            postings = slice(matrix.indptr[column], matrix.indptr[column + 1])
            total[matrix.indices[postings]] += matrix.data[postings]
        return total
