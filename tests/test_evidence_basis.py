"""Issue 11, evidence a clinician can weigh: where the quotes disagree (conflict notes), what the sources
are (the evidence-status text on every answer, from the corpus metadata), each quote tagged with its
source, and the About page that lays the basis open. Real model, real index, no mocks."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import copy_corpus

from ldn_assistant import Answer
from ldn_assistant.basis import UNKNOWN_CORPUS, CorpusBasis
from ldn_assistant.conflicts import ConflictFinder
from ldn_assistant.domains import load_profile
from ldn_assistant.render import escape_markdown
from ldn_assistant.types import CitedPassage, Source, SourceMetadata

INTRODUCED = "When was naltrexone first introduced?"
DOSE_RANGE = "What is the dose range of LDN for chronic pain?"
AGREEING = "What is the dose range of LDN?"
# The sections of the About page, in its order (without the Markdown "## ").
ABOUT_HEADINGS = (
    "Intended use and users",
    "What goes in",
    "How an answer is made",
    "Data sources",
    "Validation",
    "Known limits",
    "Do not rely on it because it is software",
)


def quote(rank: int, text: str, source_id: str) -> CitedPassage:
    return CitedPassage(rank, text, source_id, source_id, None, None, None, None, None, 0, len(text), 1.0)


# --- the conflict finder on quotes written for the test ------------------------------------------


def test_two_sources_giving_different_years_for_what_is_asked_get_one_note():
    quotes = [
        quote(1, "The drug was first marketed in 1971 for migraine.", "a"),
        quote(2, "It was first marketed in 1975, after a long trial.", "b"),
    ]
    (conflict,) = ConflictFinder().find("When was the drug first marketed?", quotes)
    assert conflict.kind == "year"
    assert conflict.note == "Sources differ on the year: [1] 1971; [2] 1975."
    for v in conflict.values:
        assert quotes[v.rank - 1].text[v.start : v.end] == v.text


def test_ranges_that_differ_between_sources_get_a_note_and_a_dose_inside_a_range_does_not():
    quotes = [
        quote(1, "The usual dose is 2 to 6 mg at night.", "a"),
        quote(2, "Most take doses of 8 mg or less.", "b"),
        quote(3, "Many patients do well on 3 mg.", "c"),
    ]
    (conflict,) = ConflictFinder().find("What dose is used?", quotes)
    assert conflict.kind == "dose"
    assert [v.text for v in conflict.values] == ["2 to 6 mg", "8 mg or less"]
    assert "[3]" not in conflict.note


@pytest.mark.parametrize(
    "question,texts",
    [
        # The same range in two sources, in other words and units.
        ("What dose is used?", ["Doses range from 1.5 mg to 4.5 mg.", "Typically 1.5 to 4.5 milligrams a day."]),
        # A dose and a price are different kinds of value.
        ("What does it cost?", ["A month of 4.5 mg capsules costs $45.", "The usual dose is 3 mg and it costs about $45."]),
        # A low dose and a full dose are an order of magnitude apart: two different things.
        ("What dose is used?", ["Low doses of 1.5 to 4.5 mg are used for pain.", "The approved tablet is 50 mg for addiction."]),
        # Years of different events: nothing in the question ties them together.
        ("Is it approved?", ["It was synthesized in 1963 in New York.", "The FDA approved it in 1984 for addiction."]),
        # Two single doses are not rivals: both can be in use.
        ("What dose is used?", ["Some do best on 1.5 mg.", "Others need 3 mg."]),
    ],
)
def test_values_that_agree_or_measure_different_things_get_no_note(question, texts):
    quotes = [quote(i, t, f"s{i}") for i, t in enumerate(texts, start=1)]
    assert ConflictFinder().find(question, quotes) == ()


def test_one_source_is_never_in_conflict_with_itself():
    quotes = [quote(1, "Started in 1963 in the lab.", "a"), quote(2, "Started in 1965 in clinics.", "a")]
    assert ConflictFinder().find("When was it started?", quotes) == ()


def test_a_passage_read_before_is_pointed_at_by_its_rank_and_source_in_each_answer():
    """Values are read once per passage text; each answer's notes still name that answer's quotes."""
    finder = ConflictFinder()
    first = finder.find("When was the drug first marketed?", [quote(1, "First marketed in 1971.", "a"), quote(2, "First marketed in 1975.", "b")])
    again = finder.find("When was the drug first marketed?", [quote(1, "First marketed in 1975.", "c"), quote(3, "First marketed in 1971.", "d")])
    assert first[0].note == "Sources differ on the year: [1] 1971; [2] 1975."
    assert again[0].note == "Sources differ on the year: [1] 1975; [3] 1971."
    assert [m.source_id for m in finder.mentions(quote(5, "First marketed in 1971.", "e"))] == ["e"]


def test_topic_words_do_not_tie_values_together():
    """A word the corpus is about (here 'drug') says nothing about which thing a year dates."""
    quotes = [quote(1, "The drug was approved in 1984.", "a"), quote(2, "The drug was synthesized in 1963.", "b")]
    assert len(ConflictFinder().find("When was the drug approved?", quotes)) == 1  # 'drug' alone ties them
    assert ConflictFinder({"drug"}).find("When was the drug approved?", quotes) == ()


# --- the seed corpus's known disagreements, through the real assistant ---------------------------


@pytest.mark.slow
def test_the_year_naltrexone_was_introduced_is_flagged_with_both_values(assistant):
    answer = assistant.ask(INTRODUCED)
    (conflict,) = [c for c in answer.conflicts if c.kind == "year"]
    texts = {v.text for v in conflict.values}
    assert {"1960s", "1965"} <= texts
    by_rank = {p.rank: p for p in answer.passages}
    assert len({by_rank[v.rank].source_id for v in conflict.values}) >= 2
    for v in conflict.values:
        assert by_rank[v.rank].text[v.start : v.end] == v.text  # the values are exact slices of the quotes
        assert f"[{v.rank}]" in conflict.note
    assert escape_markdown(conflict.note) in answer.markdown
    assert answer.markdown.index("Where the sources differ") < answer.markdown.index("**[1]**")


@pytest.mark.slow
def test_the_differing_dose_ranges_are_flagged(assistant):
    answer = assistant.ask(DOSE_RANGE)
    (conflict,) = answer.conflicts
    assert conflict.kind == "dose"
    texts = [v.text for v in conflict.values]
    assert "5 mg or less" in texts and any("1.5" in t and "4.5" in t for t in texts)
    assert json.loads(json.dumps(answer.to_dict()))["conflicts"][0]["note"] == conflict.note


@pytest.mark.slow
def test_quotes_that_agree_on_the_range_get_no_note(assistant):
    answer = assistant.ask(AGREEING)
    finder = assistant.conflicts
    ranges = [(p.source_id, m) for p in answer.passages for m in finder.mentions(p) if m.kind == "mass" and not m.is_point]
    assert len({source for source, _ in ranges}) >= 2, "two sources state the range, so agreement is what is tested"
    assert answer.conflicts == () and "Where the sources differ" not in answer.markdown


@pytest.mark.slow
def test_conflicts_round_trip_through_to_dict(assistant):
    answer = assistant.ask(INTRODUCED)
    data = json.loads(json.dumps(answer.to_dict()))
    assert Answer.from_dict(data) == answer and Answer.from_dict(data).to_dict() == data


# --- the source tag on each quote --------------------------------------------------------------


@pytest.mark.slow
def test_each_quote_is_tagged_with_its_source_letter_kind_and_date(assistant):
    answer = assistant.ask(INTRODUCED)
    letters: dict[str, str] = {}
    for p in answer.passages:
        letter = letters.setdefault(p.source_id, "ABCDEFGHIJ"[len(letters)])
        tag = f"**[{p.rank}]** `Source {letter} · {p.kind or 'kind not stated'} · {p.date or 'date not stated'}`"
        assert tag in answer.markdown
    assert len(letters) < len(answer.passages), "one source is quoted twice, and both quotes carry its letter"


# --- the evidence-status text --------------------------------------------------------------------

STATUS_QUESTIONS = {
    "answered": "What dose of LDN is used for fibromyalgia?",
    "no_evidence": "Is LDN safe in pregnancy?",
    "out_of_scope": "What is the capital of France?",
    "emergency": "My husband took LDN and is not breathing",
}


@pytest.mark.slow
@pytest.mark.parametrize("status", ["answered", "no_evidence", "out_of_scope", "emergency", "error"])
def test_every_status_carries_the_evidence_status(assistant, status):
    answer = assistant.answer(STATUS_QUESTIONS.get(status, "\x00"))
    assert answer.status == status
    expected = assistant.evidence_status
    assert answer.evidence_status == expected and expected.startswith("Evidence status:")
    assert f"- {expected}" in answer.markdown
    assert answer.to_dict()["evidence_status"] == expected


@pytest.mark.slow
def test_the_evidence_status_names_the_kinds_and_years_of_the_indexed_documents(assistant):
    text = assistant.evidence_status
    sources = assistant.sources()
    assert f"{len(sources)} documents" in text
    for s in sources:
        assert s.metadata.kind in text
    years = sorted(s.metadata.date[:4] for s in sources if s.metadata.date)
    assert f"dated {years[0]} to {years[-1]}" in text
    assert "not a review of the trial literature" in text and "FINAL" in text


@pytest.mark.slow
def test_the_evidence_status_follows_the_corpus_after_an_ingest(tmp_path, assistant, embedder):
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.settings import Settings

    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "zz_trial.txt").write_text("A randomised trial of low dose naltrexone for fibromyalgia pain.\n", encoding="utf-8")
    meta = {"title": "A trial", "date": "2025-03-01", "kind": "randomised controlled trial report"}
    (corpus / "zz_trial.txt.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.copytree(assistant.settings.index_dir, tmp_path / "index")  # only the new document is embedded
    grown = Assistant(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder=embedder)
    grown.ingest()
    text = grown.answer("What is the capital of France?").evidence_status
    assert "6 documents" in text and "1 randomised controlled trial report" in text and "to 2025" in text
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert CorpusBasis.from_dict(manifest["basis"]).describe() in text  # filled in at ingest


@pytest.mark.slow
def test_exports_for_the_record_carry_the_notes_tags_and_evidence_status(assistant):
    from ldn_assistant.ui.conversation import Turn, conversation_json, conversation_markdown

    answer = assistant.ask(INTRODUCED)
    turns = [Turn(INTRODUCED, INTRODUCED, answer)]
    markdown = conversation_markdown(turns)
    assert escape_markdown(answer.conflicts[0].note) in markdown and "`Source A · " in markdown
    assert answer.evidence_status in markdown
    record = json.loads(conversation_json(turns))["turns"][0]["answer"]
    assert record["conflicts"] == [c.to_dict() for c in answer.conflicts]
    assert record["evidence_status"] == answer.evidence_status


def test_the_profile_writes_the_text_once_and_the_corpus_part_is_filled_in():
    from ldn_assistant.safety import EVIDENCE_STATUS_TEMPLATE

    profile = load_profile("ldn")
    template = profile.texts["evidence_status"]
    assert template == EVIDENCE_STATUS_TEMPLATE
    assert template.count("{corpus}") == 1
    assert profile.evidence_status("3 documents") == template.replace("{corpus}", "3 documents")
    assert UNKNOWN_CORPUS in profile.evidence_status(UNKNOWN_CORPUS)
    assert load_profile("none").evidence_status("x") is None


def test_corpus_basis_counts_kinds_and_years_and_says_what_is_unknown():
    def src(name: str, **meta: str) -> Source:
        return Source(name, name, "t", SourceMetadata(**meta), name)

    basis = CorpusBasis.from_sources([src("a", kind="blog", date="2021-05-01"), src("b", kind="blog"), src("c", date="c. 2019")])
    assert basis.describe() == "3 documents (2 blog, 1 of no stated kind), dated 2019 to 2021 (1 of 3 state no date)"
    assert CorpusBasis.from_dict(json.loads(json.dumps(basis.to_dict()))) == basis
    assert CorpusBasis.from_sources([]).describe().startswith("no documents")


# --- the About page ------------------------------------------------------------------------------


def _report(path, hit3: float = 0.831):
    suite = {"ldn-assistant": {"n_cases": 83, "hit@1": 0.708, "hit@3": hit3, "status_accuracy": 0.916}, "naive-langchain": {"hit@3": 0.631}}
    triage = {"halves": {"locked": {"layered": {"emergencies": 189, "recall": 0.884, "non_emergencies": 179, "false_alarm_rate": 0.061}}}}
    report = {"created": "2026-11-23T14:28:29Z", "systems": suite, "per_suite": {"unseen": suite}, "triage": triage}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report), encoding="utf-8")
    scifact = path.parent.parent / "scifact" / "dev-full" / "report.json"
    scifact.parent.mkdir(parents=True, exist_ok=True)
    product = {"system": "ldn-assistant", "ndcg@10": 0.7202, "recall@10": 0.835, "rationale_hit@3": 0.681, "claims": 300}
    published = {"comparable": True, "figures": [{"system": "BM25 (Elasticsearch)", "ndcg@10": 0.665}]}
    scifact.write_text(json.dumps({"name": "dev-full", "options": {"split": "dev"}, "corpus": {"n_docs": 5183}, "systems": [product], "published": published}))
    return path


@pytest.mark.slow
def test_about_lays_open_use_inputs_method_sources_validation_limits_and_automation_bias(assistant, tmp_path):
    page = assistant.about(_report(tmp_path / "eval" / "report.json"))
    for heading in ABOUT_HEADINGS:
        assert f"## {heading}" in page
    for s in assistant.sources():
        assert escape_markdown(s.metadata.kind) in page
    assert escape_markdown("2024-11-10") in page and escape_markdown("2022-12-09") in page
    assert "| unseen | 83 | 71% | 83% | 92% | 63% |" in page  # retrieval and status, live from the report
    assert "| locked | 88% of 189 | 6% of 179 |" in page  # triage
    assert "| dev\\-full | 300 | 5183 | 0.720 | 0.665 | 84% | 68% |" in page  # SciFact, beside the published BM25
    assert escape_markdown(assistant.evidence_status) in page
    # Live: a new report shows on the next call, without a restart.
    assert "| unseen | 83 | 71% | 90% |" in assistant.about(_report(tmp_path / "eval" / "report.json", hit3=0.9))
    assert "Not run yet" in assistant.about(tmp_path / "missing.json")


@pytest.mark.slow
def test_about_command_prints_the_page(assistant, tmp_path):
    from ldn_assistant.cli import main

    settings = assistant.settings
    runner = CliRunner(env={"LDN_CORPUS_DIR": str(settings.corpus_dir), "LDN_INDEX_DIR": str(settings.index_dir), "HF_HUB_OFFLINE": "1"})
    result = runner.invoke(main, ["about", "--report", str(_report(tmp_path / "eval" / "report.json"))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == assistant.about(tmp_path / "eval" / "report.json").strip()
    help_text = runner.invoke(main, ["about", "--help"]).stdout
    assert "Example" in help_text and "ldn-assistant about" in help_text


@pytest.mark.slow
def test_ask_command_shows_the_conflict_note_in_text_markdown_and_json(assistant):
    from ldn_assistant.cli import main

    settings = assistant.settings
    runner = CliRunner(env={"LDN_CORPUS_DIR": str(settings.corpus_dir), "LDN_INDEX_DIR": str(settings.index_dir), "HF_HUB_OFFLINE": "1"})
    expected = assistant.ask(INTRODUCED)
    # A terminal gets plain text (issue 12): the note as written, no Markdown around it.
    text = runner.invoke(main, ["ask", INTRODUCED])
    assert text.exit_code == 0, text.output
    assert f"Where the sources differ\n\n- {expected.conflicts[0].note}" in text.stdout
    assert expected.evidence_status in text.stdout
    # --markdown, for piping: the note escaped and marked up as in Answer.markdown.
    piped = runner.invoke(main, ["ask", INTRODUCED, "--markdown"])
    assert piped.exit_code == 0, piped.output
    assert "**Where the sources differ**" in piped.stdout and escape_markdown(expected.conflicts[0].note) in piped.stdout
    assert expected.evidence_status in piped.stdout
    data = json.loads(runner.invoke(main, ["ask", INTRODUCED, "--json"]).stdout)
    assert data["conflicts"] == [c.to_dict() for c in expected.conflicts]
