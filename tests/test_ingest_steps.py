"""Each step of the ingest on its own (ingest_steps: diff, keep-last-good, embed, commit, sweep), over a copy of
the shipped corpus, the real model and a real Chroma store. test_index and test_crash_safety test them together."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import copy_corpus

from ldn_assistant.corpus import scan_corpus
from ldn_assistant.index import COLLECTION_PREFIX, Index, fingerprint, split_settings
from ldn_assistant.ingest_steps import (
    commit,
    diff_corpus,
    embed_passages,
    keep_last_good,
    keeps_last_good,
    live_vectors,
    sweep,
)
from ldn_assistant.manifest import MANIFEST, fingerprint_id
from ldn_assistant.snapshot import Snapshot, passage_of, unit_id, vector_units
from ldn_assistant.store import VectorStore
from ldn_assistant.types import FileProblem, ProblemKind


@pytest.fixture()
def settings(make_settings, tmp_path):
    copy_corpus(tmp_path / "corpus")
    return make_settings()


def first_snapshot(settings) -> Snapshot:
    diff = diff_corpus(scan_corpus(settings.corpus_dir, settings.max_file_bytes).sources, None, split_settings(settings))
    return Snapshot(diff.sources, diff.passages)


def test_diff_splits_only_added_and_changed_sources_and_reuses_the_rest(settings):
    previous = first_snapshot(settings)
    first = diff_corpus(previous.sources.values(), None, split_settings(settings))
    assert len(first.added) == 5 and first.to_embed == first.passages

    changed = "001_68e565978181d4a7.txt"
    path = settings.corpus_dir / changed
    path.write_text(path.read_text(encoding="utf-8") + "\n\nA paragraph added later about dosing at bedtime.\n", encoding="utf-8")
    (settings.corpus_dir / "new.txt").write_text("Low dose naltrexone is a small dose of naltrexone.", encoding="utf-8")
    diff = diff_corpus(scan_corpus(settings.corpus_dir, settings.max_file_bytes).sources, previous, split_settings(settings))

    assert diff.added == ("new.txt",) and diff.updated == (changed,)
    assert len(diff.unchanged) == 4
    assert {p.source_id for p in diff.to_embed} == {changed, "new.txt"}
    for source_id in diff.unchanged:  # reused as committed, not split again
        assert [p for p in diff.passages if p.source_id == source_id] == previous.passages_of(source_id)


def test_keep_last_good_decides_on_the_problem_kind_not_on_its_wording(settings):
    previous = first_snapshot(settings)
    name = "002_0bb92ebec9d348f4.txt"
    assert name in previous.sources
    now = diff_corpus([s for s in previous.sources.values() if s.source_id != name], previous, split_settings(settings))
    loaded = {s.content_hash for s in now.sources.values()}
    old = previous.sources[name]

    # The wording says "duplicate", the kind says unreadable: the kind decides, so the last good version stays.
    misleading = FileProblem(name, "could not be read (duplicate inode?)", ProblemKind.UNREADABLE)
    assert keeps_last_good(misleading, old, settings.corpus_dir, loaded)
    # A duplicate whose message never says so is still a duplicate: its text is indexed under the other name.
    assert not keeps_last_good(FileProblem(name, "same bytes as 001", ProblemKind.DUPLICATE), old, settings.corpus_dir, loaded)
    # No version to keep, or the old text now loaded under another name (its passage ids would clash).
    assert not keeps_last_good(misleading, None, settings.corpus_dir, loaded)
    assert not keeps_last_good(misleading, old, settings.corpus_dir, loaded | {old.content_hash})

    kept = keep_last_good([misleading], previous, settings.corpus_dir, now)
    assert kept.sources == (old,) and list(kept.passages) == previous.passages_of(name)
    assert kept.skipped == (FileProblem(name, misleading.reason + "; its previously indexed version is kept", ProblemKind.UNREADABLE),)

    (settings.corpus_dir / name).unlink()  # a file that is gone is removed, not kept
    gone = keep_last_good([misleading], previous, settings.corpus_dir, now)
    assert gone.sources == () and gone.skipped == (misleading,)


@pytest.mark.slow
def test_embed_stores_one_vector_per_sentence_unit_and_a_rerun_embeds_nothing(settings, embedder):
    snapshot = first_snapshot(settings)
    source_id = "003_5c190079ef95231c.txt"
    passages = snapshot.passages_of(source_id)
    store = VectorStore(settings, "steps-embed")
    reported: list[tuple[int, int]] = []

    stored = embed_passages(store, embedder, passages, snapshot.sources, batch_size=16, progress=lambda d, t: reported.append((d, t)))

    expected = {unit_id(p.passage_id, n) for p in passages for n in range(len(vector_units(p, snapshot.sources[source_id].text)))}
    assert stored == len(expected) and store.all_ids() == expected
    assert reported[-1] == (len(expected), len(expected))
    # Everything is stored already (as after a killed ingest that got this far): nothing is embedded again.
    assert embed_passages(store, embedder, passages, snapshot.sources, batch_size=16) == 0
    assert store.count() == len(expected)


@pytest.mark.slow
def test_commit_then_sweep_leaves_an_index_that_opens_with_nothing_stale(settings, embedder):
    index_dir = Path(settings.index_dir)
    snapshot = first_snapshot(settings)
    store = VectorStore(settings, COLLECTION_PREFIX + fingerprint_id(fingerprint(settings)))
    embed_passages(store, embedder, snapshot.passages, snapshot.sources, batch_size=64)
    # What an earlier ingest left: a vector of a passage no longer live, its snapshot, a half-written file.
    store.upsert(["gone-passage.0"], np.asarray([embedder.embed_query("an old passage")]))
    (index_dir / "snapshot-0000000000000000.json").write_text("{}", encoding="utf-8")
    (index_dir / ".manifest.json.123.tmp").write_text("{", encoding="utf-8")

    stored = store.all_ids()
    live = live_vectors(stored, snapshot)
    assert stored - live == {"gone-passage.0"}
    name = commit(index_dir, snapshot, fingerprint(settings), store.name, len(live))

    manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["snapshot"] == name and manifest["vectors"] == len(live) and manifest["passages"] == len(snapshot.passages)
    opened = Index.open(settings)  # the commit alone makes a whole index: readers trust only the snapshot
    assert [p.passage_id for p in opened.snapshot.passages] == [p.passage_id for p in snapshot.passages]

    sweep(index_dir, store, stored - live, name, old_collection=None)
    assert store.all_ids() == live
    assert {passage_of(u) for u in live} == set(snapshot.position)
    assert sorted(f.name for f in index_dir.iterdir() if f.is_file() and not f.name.startswith(".ingest")) == [MANIFEST, name]
