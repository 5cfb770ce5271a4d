"""embeddings.cached_array: what the question path keeps on disk (exemplar vectors, the triage classifier)."""

from __future__ import annotations

import numpy as np

from ldn_assistant.embeddings import cached_array


def test_a_kept_array_is_read_and_a_bad_one_is_computed_again(tmp_path):
    calls: list[int] = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.arange(4.0)

    assert np.array_equal(cached_array(tmp_path, {"kind": "t"}, compute, shape=(4,)), np.arange(4.0))
    [kept] = tmp_path.glob("*.npy")
    np.save(kept, np.full(4, 7.0))  # what the file holds is what a later call returns: read, not computed
    assert np.array_equal(cached_array(tmp_path, {"kind": "t"}, compute, shape=(4,)), np.full(4, 7.0)) and len(calls) == 1
    for bad in (b"", b"not an array"):  # a crash mid-write, a stray file
        kept.write_bytes(bad)
        assert np.array_equal(cached_array(tmp_path, {"kind": "t"}, compute, shape=(4,)), np.arange(4.0))
    for misshapen in (np.zeros(3), np.zeros((4, 2)), np.float64(1.0)):
        np.save(kept, misshapen)
        assert np.array_equal(cached_array(tmp_path, {"kind": "t"}, compute, shape=(4,)), np.arange(4.0))
    assert len(calls) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept.name]  # no temporary file left behind


def test_anything_in_the_ident_changes_the_file(tmp_path):
    for l2 in (1.0, 2.0):
        cached_array(tmp_path, {"kind": "t", "l2": l2}, lambda: np.zeros(2), shape=(2,))
    cached_array(tmp_path, {"kind": "t", "l2": 1.0}, lambda: np.ones(2), shape=(2,))
    assert len(list(tmp_path.glob("*.npy"))) == 2


def test_without_a_folder_nothing_is_kept(tmp_path):
    assert np.array_equal(cached_array(None, {"kind": "t"}, lambda: np.ones(2), shape=(2,)), np.ones(2))
    assert not list(tmp_path.iterdir())
