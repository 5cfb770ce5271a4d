"""The built index: manifest checks against the settings in force, and incremental ingest that never
duplicates, loses or resurrects a passage. Real model, real embedded Chroma."""

from __future__ import annotations

import json

import pytest
from conftest import copy_corpus

from ldn_assistant import index as index_module
from ldn_assistant.assistant import Assistant
from ldn_assistant.corpus import load_source
from ldn_assistant.index import Index, split_settings
from ldn_assistant.manifest import MANIFEST, IndexMismatchError, IndexMissingError
from ldn_assistant.splitting import split_source

pytestmark = pytest.mark.slow

PNN = "004_902dfb8e700bca31.txt"  # the Pain News Network report: the only source about the 47-study review
PNN_QUESTION = "What did the review of 47 studies at the University of Kansas Medical Center find about LDN?"


def check_consistent(assistant: Assistant) -> None:
    """The committed snapshot and the Chroma collection hold exactly the same passages, each once."""
    index = assistant.index
    ids = [p.passage_id for p in index.snapshot.passages]
    assert len(ids) == len(set(ids)), "duplicate passage id in the snapshot"
    stored = index.store.all_ids()
    # A passage may be stored as several vectors (one per sentence); each names the passage it belongs to.
    owner = getattr(index_module, "passage_of", lambda vector_id: vector_id)
    assert {owner(v) for v in stored} == set(ids), "Chroma collection and snapshot disagree"
    assert index.store.count() == len(stored) == index.manifest.get("vectors", len(stored))
    assert index.uncommitted == 0
    # dense_hits reads a vector id's passage and document through the snapshot's remembered places.
    stored = list(stored)
    fresh = Index.open(index.settings).snapshot  # nothing remembered yet
    places = fresh.unit_places([*stored, "no-such-passage.0"])
    assert places[-1] is None
    for vector_id, place in zip(stored, places, strict=False):
        pos = fresh.position[owner(vector_id)]
        assert place == (pos, int(fresh.document_rows[pos]))
    assert fresh.unit_places(list(reversed(stored))) == places[-2::-1]  # a second call, answered from memory, agrees
    for p in index.snapshot.passages:
        assert index.snapshot.sources[p.source_id].text[p.start : p.end] == p.text


# --- Manifest: an index built with other settings is never silently reused -------------------------------


def test_open_without_an_index_says_to_run_ingest(make_settings):
    with pytest.raises(IndexMissingError, match="ldn-assistant ingest"):
        Index.open(make_settings())


@pytest.mark.parametrize("change", [{"max_passage_chars": 300}, {"embedding_model": "sentence-transformers/all-mpnet-base-v2"}], ids=["split", "model"])
def test_changed_settings_raise_a_clear_mismatch_error(make_settings, small_corpus, embedder, change):
    settings = make_settings(corpus_dir=small_corpus)
    Assistant(settings, embedder=embedder).ingest()
    assert Index.open(settings).snapshot.passages  # the settings it was built with open it

    changed = make_settings(corpus_dir=small_corpus, **change)
    with pytest.raises(IndexMismatchError) as caught:
        Index.open(changed)
    message = str(caught.value)
    assert "Run `ldn-assistant ingest`" in message
    key = next(iter(change))
    assert f"settings ask for {change[key]!r}" in message

    # from_settings only builds when there is no index; a mismatched one fails with the same message.
    with pytest.raises(IndexMismatchError, match="ldn-assistant ingest"):
        Assistant.from_settings(changed)


def test_a_corrupt_manifest_is_a_mismatch_not_a_crash(make_settings, small_corpus, embedder):
    settings = make_settings(corpus_dir=small_corpus)
    Assistant(settings, embedder=embedder).ingest()
    (settings.index_dir / MANIFEST).write_text("{half a manif", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="ldn-assistant ingest"):
        Index.open(settings)


def test_reingest_with_new_split_settings_rebuilds_and_drops_the_old_collection(make_settings, small_corpus, embedder):
    first = make_settings(corpus_dir=small_corpus)
    Assistant(first, embedder=embedder).ingest()
    old_collection = json.loads((first.index_dir / MANIFEST).read_text())["collection"]

    second = make_settings(corpus_dir=small_corpus, max_passage_chars=100)
    assistant = Assistant(second, embedder=embedder)
    report = assistant.ingest()
    assert report.rebuilt and report.passages_embedded == report.passages
    check_consistent(assistant)
    assert all(len(p.text) <= 100 for p in assistant.index.snapshot.passages)
    names = {c.name for c in assistant.index.store.client.list_collections()}
    assert old_collection not in names
    with pytest.raises(IndexMismatchError):
        Index.open(first)


# --- Incremental ingest ----------------------------------------------------------------------------


def test_incremental_ingest_embeds_only_what_changed_and_never_duplicates(tmp_path, make_settings, embedder):
    corpus = copy_corpus(tmp_path / "corpus")
    for path in corpus.iterdir():
        path.chmod(0o644)  # the shipped seeds are read-only; this private copy is changed below
    settings = make_settings(corpus_dir=corpus)
    assistant = Assistant(settings, embedder=embedder)

    # 1. First build: everything is new.
    report = assistant.ingest()
    assert report.rebuilt and len(report.added) == 5 and report.ok
    assert report.passages_embedded == report.passages > 0
    check_consistent(assistant)
    total = report.passages
    before = assistant.ask(PNN_QUESTION)
    assert before.status == "answered"
    assert any(p.source_id == PNN for p in before.passages)

    # 2. Nothing changed: nothing is embedded.
    report = assistant.ingest()
    assert report.passages_embedded == 0
    assert len(report.unchanged) == 5 and not (report.added or report.updated or report.removed)
    assert not report.rebuilt and report.passages == total
    check_consistent(assistant)

    # 3. One file changed: only its passages are embedded.
    changed = corpus / "002_0bb92ebec9d348f4.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nA new closing paragraph about LDN and vivid dreams.\n", encoding="utf-8")
    expected = split_source(load_source(changed, corpus, settings.max_file_bytes), split_settings(settings))
    report = assistant.ingest()
    assert report.updated == ("002_0bb92ebec9d348f4.txt",)
    assert report.passages_embedded == len(expected)
    assert not report.added and not report.removed and len(report.unchanged) == 4
    check_consistent(assistant)
    live = {p.passage_id for p in assistant.index.snapshot.passages}
    assert {p.passage_id for p in expected} <= live

    # 4. One file deleted: its passages leave the snapshot and Chroma, and never come back in answers.
    (corpus / PNN).unlink()
    (corpus / (PNN + ".meta.json")).unlink()
    report = assistant.ingest()
    assert report.removed == (PNN,)
    assert report.passages_embedded == 0
    check_consistent(assistant)
    assert all(p.source_id != PNN for p in assistant.index.snapshot.passages)
    with pytest.raises(KeyError):
        assistant.get_source(PNN)
    after = assistant.ask(PNN_QUESTION)
    assert all(p.source_id != PNN for p in after.passages)
    report = assistant.ingest()  # and a later ingest does not bring them back either
    assert report.passages_embedded == 0 and not report.added
    check_consistent(assistant)

    # 5. One file added: only its passages are embedded.
    (corpus / "new.md").write_text(
        "# Timing\n\nMost prescribers suggest taking low dose naltrexone at bedtime, although some patients with vivid dreams move it to the morning.\n",
        encoding="utf-8",
    )
    report = assistant.ingest()
    assert report.added == ("new.md",)
    assert report.passages_embedded == len(assistant.index.snapshot.passages) - sum(1 for p in assistant.index.snapshot.passages if p.source_id != "new.md") > 0
    check_consistent(assistant)

    # 6. A file that turns unreadable keeps its last good version, with the reason reported.
    bad = corpus / "001_68e565978181d4a7.txt"
    kept = assistant.get_source(bad.name).text
    bad.write_bytes(b"\x00\x01\x02" * 100)
    report = assistant.ingest()
    assert not report.ok
    assert [p.path for p in report.skipped] == [bad.name]
    assert "previously indexed version is kept" in report.skipped[0].reason
    assert assistant.get_source(bad.name).text == kept
    assert report.passages_embedded == 0
    check_consistent(assistant)


def test_ingest_of_the_same_text_under_two_names_keeps_one(make_settings, small_corpus, embedder):
    (small_corpus / "z-copy.txt").write_bytes((small_corpus / "a.txt").read_bytes())
    assistant = Assistant(make_settings(corpus_dir=small_corpus), embedder=embedder)
    report = assistant.ingest()
    assert [p.path for p in report.skipped] == ["z-copy.txt"]
    assert "duplicate" in report.skipped[0].reason
    check_consistent(assistant)
    assert {s.source_id for s in assistant.sources()} == {"a.txt", "b.md"}
