"""The public Python API: Answer.to_dict() has exactly the documented shape, round-trips through
from_dict, and the Assistant's source accessors and from_settings behave as documented."""

from __future__ import annotations

import json

import pytest

import ldn_assistant
from ldn_assistant import Answer
from ldn_assistant.index import Index

pytestmark = pytest.mark.slow

ANSWER_KEYS = {"question", "status", "notice", "crisis_note", "passages", "disclaimers", "evidence_status", "conflicts", "opioid_warning_first", "markdown"}
CONFLICT_VALUE_TYPES = {"rank": int, "text": str, "start": int, "end": int}
PASSAGE_TYPES = {
    "rank": int,
    "text": str,
    "source_id": str,
    "title": str,
    "publisher": (str, type(None)),
    "author": (str, type(None)),
    "date": (str, type(None)),
    "kind": (str, type(None)),
    "url": (str, type(None)),
    "start": int,
    "end": int,
    "score": float,
}
QUESTIONS = [
    "What dose of LDN is used for fibromyalgia?",  # answered
    "Can I take LDN with tramadol?",  # answered, opioid warning first
    "Is LDN safe in pregnancy?",  # no_evidence
    "What is the capital of France?",  # out_of_scope
    "My husband took LDN and is not breathing",  # emergency
    "When was naltrexone first introduced?",  # answered, with a conflict note
]


@pytest.fixture(scope="module")
def answers(assistant):
    return [assistant.ask(q) for q in QUESTIONS] + [assistant.answer("\x00")]


def test_the_statuses_under_test_are_all_covered(answers):
    assert {a.status for a in answers} == {"answered", "no_evidence", "out_of_scope", "emergency", "error"}


@pytest.mark.parametrize("i", range(len(QUESTIONS) + 1))
def test_to_dict_has_exactly_the_documented_keys_and_types(answers, i):
    data = answers[i].to_dict()
    assert set(data) == ANSWER_KEYS
    assert isinstance(data["question"], str)
    assert isinstance(data["status"], str)
    assert data["notice"] is None or isinstance(data["notice"], str)
    assert data["crisis_note"] is None or isinstance(data["crisis_note"], str)
    assert isinstance(data["disclaimers"], list) and all(isinstance(d, str) for d in data["disclaimers"])
    assert isinstance(data["markdown"], str) and data["markdown"]
    assert isinstance(data["evidence_status"], str) and data["evidence_status"]
    assert isinstance(data["conflicts"], list)
    for conflict in data["conflicts"]:
        assert set(conflict) == {"kind", "note", "values"} and isinstance(conflict["note"], str)
        for value in conflict["values"]:
            assert {k: type(v) for k, v in value.items()} == CONFLICT_VALUE_TYPES
    assert isinstance(data["passages"], list)
    for passage in data["passages"]:
        assert set(passage) == set(PASSAGE_TYPES)
        for key, kind in PASSAGE_TYPES.items():
            assert isinstance(passage[key], kind), f"{key} is {type(passage[key]).__name__}"
            assert not isinstance(passage[key], bool)
    assert json.loads(json.dumps(data)) == data, "to_dict() is plain JSON"


@pytest.mark.parametrize("i", range(len(QUESTIONS) + 1))
def test_from_dict_round_trips(answers, i):
    data = answers[i].to_dict()
    again = Answer.from_dict(data)
    assert again.to_dict() == data
    assert again == answers[i]
    assert Answer.from_dict(json.loads(json.dumps(data))).to_dict() == data


def test_from_dict_keeps_the_answering_profiles_opioid_decision():
    """A bare-engine answer never put the opioid warning first; reading it back must not apply LDN's drug list."""
    from ldn_assistant import safety

    bare = Answer(question="Does oxycodone help back pain?", status="no_evidence", notice=None, passages=(), disclaimers=safety.DISCLAIMERS)
    assert not Answer.from_dict(bare.to_dict()).opioid_warning_first
    older = {k: v for k, v in bare.to_dict().items() if k != "opioid_warning_first"}
    assert Answer.from_dict(older).opioid_warning_first  # dicts from before the key: the LDN profile decided


def test_sources_lists_the_five_documents_with_metadata(assistant):
    sources = assistant.sources()
    assert len(sources) == 5
    by_id = {s.source_id: s for s in sources}
    assert by_id["003_5c190079ef95231c.txt"].metadata.publisher == "Grandview Primary Care, Columbus, Ohio"
    assert by_id["004_902dfb8e700bca31.txt"].title.startswith("“Promising results”")
    assert all(s.metadata.kind for s in sources)


def test_get_source_returns_the_text_citations_point_into(assistant, answers):
    passage = answers[0].passages[0]
    source = assistant.get_source(passage.source_id)
    assert source.text[passage.start : passage.end] == passage.text
    assert source.source_id == passage.source_id


def test_get_source_of_an_unknown_id_raises_a_clear_key_error(assistant):
    with pytest.raises(KeyError) as caught:
        assistant.get_source("no-such-file.txt")
    message = str(caught.value)
    assert "no-such-file.txt" in message
    assert "000_095558a08594ae67.txt" in message, "the error lists the known sources"


def test_public_names_are_exported():
    for name in ldn_assistant.__all__:
        assert getattr(ldn_assistant, name) is not None
    from ldn_assistant.assistant import Assistant

    assert ldn_assistant.Assistant is Assistant


def test_from_settings_builds_the_index_when_missing_and_then_answers(make_settings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text(
        "Low dose naltrexone for fibromyalgia\n\nWomen with fibromyalgia who took 4.5 mg of naltrexone each night "
        "reported less pain than on placebo in a small crossover trial.\n",
        encoding="utf-8",
    )
    (corpus / "note.txt.meta.json").write_text('{"title": "A note", "kind": "test note"}', encoding="utf-8")
    settings = make_settings(corpus_dir=corpus)
    assert not Index.exists(settings)

    from ldn_assistant import Assistant

    built = Assistant.from_settings(settings)
    assert Index.exists(settings)
    answer = built.ask("What dose of LDN helped fibromyalgia in the trial?")
    assert answer.status == "answered"
    assert answer.passages[0].title == "A note" and answer.passages[0].kind == "test note"

    # A second from_settings opens the existing index instead of rebuilding it.
    manifest = (settings.index_dir / "manifest.json").read_text()
    again = Assistant.from_settings(settings)
    assert (settings.index_dir / "manifest.json").read_text() == manifest
    assert [s.source_id for s in again.sources()] == ["note.txt"]


def test_from_settings_without_building_reports_the_missing_index(make_settings, tmp_path):
    from ldn_assistant import Assistant
    from ldn_assistant.manifest import IndexMissingError

    (tmp_path / "corpus").mkdir()
    with pytest.raises(IndexMissingError, match="ldn-assistant ingest"):
        Assistant.from_settings(make_settings(), build_if_missing=False)


def test_from_settings_applies_overrides_over_an_existing_index(assistant, shipped_settings):
    from ldn_assistant import Assistant

    manifest = (shipped_settings.index_dir / "manifest.json").read_text()
    narrow = Assistant.from_settings(shipped_settings, top_k=2)
    assert narrow.settings.top_k == 2 and shipped_settings.top_k == 5
    answer = narrow.ask("What dose of LDN is used for fibromyalgia?")
    assert answer.status == "answered" and 1 <= len(answer.passages) <= 2
    assert (shipped_settings.index_dir / "manifest.json").read_text() == manifest, "opened, not rebuilt"
