"""Passages point exactly into their source, stay within the size limit, never cut words, and never
hold page furniture. Property-based over arbitrary text, then concrete over the shipped corpus."""

from __future__ import annotations

import pytest
from conftest import CORPUS
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ldn_assistant.corpus import scan_corpus
from ldn_assistant.splitting import MIN_UNIT_CHARS, SplitSettings, passage_units, split_source
from ldn_assistant.types import Source, SourceMetadata, content_hash


def make_source(text: str, source_id: str = "doc.txt") -> Source:
    return Source(source_id, source_id, text, SourceMetadata(), content_hash(text))


def run_length(text: str, i: int) -> int:
    """Length of the whitespace-free run that covers the boundary between text[i-1] and text[i]."""
    lo = i
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    hi = i
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    return hi - lo


def mid_word(text: str, i: int) -> bool:
    """True when offset i falls between two non-whitespace characters."""
    return 0 < i < len(text) and not text[i - 1].isspace() and not text[i].isspace()


def check_passages(text: str, split: SplitSettings, whole_words: bool = True) -> list:
    passages = split_source(make_source(text), split)
    previous_end = 0
    for p in passages:
        assert text[p.start : p.end] == p.text, "offsets must slice out exactly the passage text"
        assert 0 < len(p.text) <= split.max_chars
        assert p.start >= previous_end, "passages overlap or are out of order"
        assert p.text.strip() == p.text, "passages are trimmed"
        for edge in (p.start, p.end) if whole_words else ():
            if mid_word(text, edge):
                assert run_length(text, edge) > split.max_chars, f"cut mid-word at {edge}: {text[max(0, edge - 15) : edge]!r} | {text[edge : edge + 15]!r}"
        previous_end = p.end
    assert len({p.passage_id for p in passages}) == len(passages)
    return passages


# Pieces of real-looking documents: words in several scripts, sentence ends, bullets, headings,
# abbreviations, decimals, non-breaking and other unusual spaces, and long runs with no space at all.
WORD = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzLDNéüßøçñ日本語ЖжΩλ‘’“”-'0123456789"), min_size=1, max_size=12)
PUNCTUATION = st.sampled_from([". ", "? ", "! ", ", ", "; ", ": ", ".\n", "…", ". [3] ", "Dr. ", "e.g. ", "4.5 mg", "(1)"])
LINE_STARTS = st.sampled_from(["\n• ", "\n- ", "\n* ", "\n1. ", "\n  • |\n", "\nReferences\n", "\nRelated Posts\n"])
LONG_RUN = st.text(alphabet=st.sampled_from("abcxyzé"), min_size=60, max_size=900)  # no spaces, no sentence ends
PLAIN_SPACES = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\r\n"])
ANY_SPACES = st.sampled_from([" ", " ", "  ", "\n", "\n\n", "\r\n", "\t", "\xa0", "\u2009", "\u3000", "\u2028"])


def documents(spaces):
    return st.lists(st.one_of(WORD, WORD, WORD, spaces, spaces, PUNCTUATION, LINE_STARTS, LONG_RUN), max_size=120).map("".join)


TEXTS = documents(ANY_SPACES)
SPLITS = st.sampled_from([SplitSettings(80, 80), SplitSettings(120, 100), SplitSettings(600, 420)])
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(text=TEXTS, split=SPLITS)
@example(text="x" * 1000 + " tail.", split=SplitSettings(80, 80))
@example(text="a" * 60 + "\t" + "a" * 60, split=SplitSettings(80, 80))
@example(text="• Home\n  • |\n• Blog\nBody text that is long enough to be a passage.", split=SplitSettings(80, 80))
def test_passages_are_exact_bounded_ordered_and_unique(text, split):
    check_passages(text, split, whole_words=False)


@PROPERTY
@given(text=documents(PLAIN_SPACES), split=SPLITS)
@example(text="word " * 400, split=SplitSettings(80, 80))
@example(text="One sentence. " * 100, split=SplitSettings(120, 100))
@example(text="x" * 1000 + " tail.", split=SplitSettings(80, 80))
def test_no_passage_starts_or_ends_mid_word_with_plain_spaces(text, split):
    check_passages(text, split)


@PROPERTY
@given(text=TEXTS, split=SPLITS)
@example(text="a" * 60 + "\t" + "a" * 60, split=SplitSettings(80, 80))
def test_no_passage_starts_or_ends_mid_word_with_any_whitespace(text, split):
    check_passages(text, split)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=3000), split=SPLITS)
def test_any_unicode_text_keeps_exact_offsets(text, split):
    """Arbitrary code points, control characters and lone surrogates included: offsets stay exact."""
    passages = split_source(make_source(text), split)
    for p in passages:
        assert text[p.start : p.end] == p.text
        assert len(p.text) <= split.max_chars


def test_long_line_separated_only_by_non_breaking_spaces_is_not_cut_mid_word():
    """A pasted web paragraph can use NBSP between every word; words are still whole."""
    text = "naltrexone\xa0" * 120
    check_passages(text, SplitSettings(80, 80))


def test_a_single_run_longer_than_a_passage_is_cut_but_stays_exact():
    text = "start " + "y" * 250 + " end."
    passages = check_passages(text, SplitSettings(80, 80))
    assert sum(p.text.count("y") for p in passages) == 250, "no character of the run is lost"
    assert max(len(p.text) for p in passages) == 80


def test_sentences_are_kept_whole_when_they_fit():
    sentences = [f"Sentence number {i} says something about low dose naltrexone." for i in range(30)]
    text = " ".join(sentences)
    for p in check_passages(text, SplitSettings(200, 150)):
        assert p.text.endswith("."), p.text
        assert p.text.startswith("Sentence"), p.text


def unit_texts(text: str) -> list[str]:
    return [text[a:b] for a, b in passage_units(text, 0, len(text))]


def test_a_short_heading_is_embedded_with_the_sentence_it_introduces():
    text = "Dosing\nMost clinics start at 1.5 mg nightly. The dose is raised to 4.5 mg over weeks."
    assert unit_texts(text) == [
        "Dosing\nMost clinics start at 1.5 mg nightly.",
        "The dose is raised to 4.5 mg over weeks.",
    ]


def test_a_trailing_citation_mark_joins_the_sentence_before_it():
    text = "LDN lowered pain scores in a small fibromyalgia trial.\n[7]"
    assert unit_texts(text) == [text]


def test_a_passage_of_only_short_lines_is_still_one_unit():
    text = "Introduction\n[1]"
    assert unit_texts(text) == [text]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["Dosing", "[3]", "Short.", "A sentence long enough to stand alone here.", "\n", " "]), max_size=30).map(" ".join))
def test_units_are_ordered_slices_that_keep_every_word(text):
    spans = passage_units(text, 0, len(text))
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    assert " ".join(text[a:b] for a, b in spans).split() == text.split()
    # Only a passage with nothing longer in it is left with a short unit.
    assert sum(b - a < MIN_UNIT_CHARS for a, b in spans) <= (1 if len(spans) == 1 else 0)


def test_decimal_doses_and_abbreviations_do_not_end_sentences():
    text = ("Dr. Smith gives 4.5 mg at night to most patients with fibromyalgia pain. " * 12).strip()
    for p in check_passages(text, SplitSettings(100, 80)):
        assert not p.text.startswith(("5 mg", "Smith")), p.text


# --- The shipped corpus --------------------------------------------------------------------------

FURNITURE = [
    '{"email":"Email address invalid"',
    "Related Posts",
    "Join the conversation",
    "The LDN Book",
    "Kim, Phillip",
    "• Home",
    "Photo courtesy of",
]


@pytest.fixture(scope="module")
def shipped_passages():
    scan = scan_corpus(CORPUS, 20_000_000)
    assert not scan.problems, scan.problems
    return scan.sources, {s.source_id: split_source(s) for s in scan.sources}


def test_shipped_corpus_holds_the_furniture_this_test_looks_for(shipped_passages):
    sources, _ = shipped_passages
    everything = "\n".join(s.text for s in sources)
    for marker in FURNITURE:
        assert marker in everything, f"the test's furniture marker {marker!r} is no longer in the corpus"


@pytest.mark.parametrize("marker", FURNITURE)
def test_page_furniture_never_appears_in_a_passage(shipped_passages, marker):
    _, passages = shipped_passages
    for source_id, items in passages.items():
        for p in items:
            assert marker not in p.text, f"{marker!r} in a passage of {source_id}: {p.text[:120]!r}"


def test_shipped_passages_are_exact_bounded_and_whole_words(shipped_passages):
    sources, passages = shipped_passages
    split = SplitSettings()
    for source in sources:
        items = passages[source.source_id]
        assert items, f"{source.source_id} gave no passages"
        end = 0
        for p in items:
            assert source.text[p.start : p.end] == p.text
            assert len(p.text) <= split.max_chars
            assert p.start >= end
            assert not mid_word(source.text, p.start) and not mid_word(source.text, p.end), p.text[:80]
            end = p.end


def test_shipped_passages_cover_the_body_text(shipped_passages):
    """Furniture is left out, but the articles themselves are: key sentences of each are in a passage."""
    _, passages = shipped_passages
    joined = {sid: "\n".join(p.text for p in items) for sid, items in passages.items()}
    assert "Naltrexone binds to the same receptors as opioids" in joined["000_095558a08594ae67.txt"]
    assert "In a review of 47 studies of off-label use of LDN" in joined["004_902dfb8e700bca31.txt"]
    assert "In recent years I have had much success using low dose naltrexone" in joined["003_5c190079ef95231c.txt"]


@pytest.mark.parametrize("heading", ["References", "REFERE CES", "Sorces:", "Bibliography", "Comments"])
def test_back_matter_headings_are_known_with_a_lost_letter(heading):
    from ldn_assistant.furniture import _is_back_matter

    assert _is_back_matter(heading)


@pytest.mark.parametrize("heading", ["Preferences", "Resources", "Conference", "Inferences", "References to dosing in trials"])
def test_near_words_are_not_back_matter(heading):
    from ldn_assistant.furniture import _is_back_matter

    assert not _is_back_matter(heading)
