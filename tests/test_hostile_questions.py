"""Hostile questions: each gets a clear ValueError or an Answer with a notice (or verbatim quotes) and the
disclaimers, never another exception and never a hang. Plus hostile text through the splitter.

The assistant is the real one over the shipped corpus (the session fixture); hypothesis generates the
strings that nobody thought to type.
"""

from __future__ import annotations

import concurrent.futures

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_assistant import DISCLAIMERS
from ldn_assistant.safety import QuestionError
from ldn_assistant.splitting import SplitSettings, passage_units, split_source
from ldn_assistant.types import STATUSES, Source, SourceMetadata, content_hash

# A hang guard only, never a speed check: a question that takes this long is stuck, not slow.
HANG_SECONDS = 300

REFUSED = {
    "empty": "",
    "whitespace": " \t\n\r\n   ",
    "100k characters": "naltrexone " * 9_091,
    "NUL": "What dose of LDN?\x00",
    "bell and escape": "LDN \x07\x1b[31m dose",
    "DEL": "LDN dose\x7f",
    "lone high surrogate": "LDN \ud800 dose",
    "lone low surrogate": "\udfffWhat is LDN?",
}
ANSWERED = {
    "French": "Quelle dose de naltrexone à faible dose pour la fibromyalgie ?",
    "Chinese": "低剂量纳曲酮可以治疗慢性疼痛吗？",
    "Arabic (right to left)": "ما هي جرعة النالتريكسون المنخفضة للألم المزمن؟",
    "RTL override": "What dose of \u202eNDL\u202c is used for fibromyalgia?",
    "zero-width": "What\u200b dose\u200d of LDN\ufeff for pain?",
    "combining marks": "Wha\u0301t do\u0308se of LDN\u0327 for pa\u0301in?",
    "HTML": "<b>What dose</b> of <i>LDN</i> for <a href='javascript:alert(1)'>pain</a>?",
    "script": "<script>alert('x')</script> What dose of LDN for pain?",
    "img onerror": "<img src=x onerror=alert(1)> LDN dose for fibromyalgia",
    "template": "{{7*7}} ${7*7} <%= 7*7 %> LDN dose for pain",
    "SQL injection": "'; DROP TABLE passages; -- what dose of LDN for pain",
    "SQL union": "LDN dose' UNION SELECT * FROM sources --",
    "SQL tautology": "' OR '1'='1 what is the LDN dose for pain",
    "emoji flood": "💊" * 1_500,
    "emoji with question": "What dose of LDN for pain? " + "🔥😭🙏" * 400,
    "flags and ZWJ": "👨‍👩‍👧‍👦🏳️‍🌈 LDN dose 🇺🇸🇫🇷" * 50,
    "markdown": "# LDN\n**dose** [link](http://example.com) `code` | table |",
    "format string": "%s %d %(x)s {0} {__class__} LDN dose",
    "path traversal": "../../../../etc/passwd LDN dose",
    "newlines": "What\ndose\nof\nLDN\nfor\npain?",
    "max length": ("What dose of LDN for chronic pain? " * 80)[:2000],
}


def run_bounded(fn, *args):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result(timeout=HANG_SECONDS)


def assert_well_formed(assistant, answer) -> None:
    """Every answer: a known status, the fixed disclaimers, and a notice or verbatim quotes."""
    assert answer.status in STATUSES
    assert answer.disclaimers == DISCLAIMERS
    if answer.status == "answered":
        assert answer.passages
        for p in answer.passages:
            assert assistant.get_source(p.source_id).text[p.start : p.end] == p.text
    else:
        assert answer.notice
        assert not answer.passages
    markdown = answer.markdown
    for disclaimer in DISCLAIMERS:
        assert disclaimer in markdown
    answer.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unreadable_questions_raise_a_clear_value_error(assistant, name):
    with pytest.raises(ValueError) as caught:
        run_bounded(assistant.ask, REFUSED[name])
    assert isinstance(caught.value, QuestionError)
    assert str(caught.value)  # says what was wrong
    answer = run_bounded(assistant.answer, REFUSED[name])  # the never-raising path gives a notice instead
    assert answer.status == "error" and answer.notice.startswith("Cannot answer")
    assert_well_formed(assistant, answer)


@pytest.mark.slow
@pytest.mark.parametrize("value", [None, 42, b"What dose of LDN?", ["LDN"]])
def test_a_question_that_is_not_text_is_a_value_error(assistant, value):
    with pytest.raises(ValueError, match="must be text"):
        assistant.ask(value)
    assert assistant.answer(value).status == "error"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ANSWERED))
def test_odd_questions_get_a_well_formed_answer(assistant, name):
    answer = run_bounded(assistant.ask, ANSWERED[name])
    assert_well_formed(assistant, answer)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["script", "template", "SQL injection", "SQL union"])
def test_injection_strings_are_refused_as_out_of_scope(assistant, name):
    answer = assistant.ask(ANSWERED[name])
    assert answer.status == "out_of_scope"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["HTML", "script", "img onerror", "markdown"])
def test_markup_in_a_question_is_never_rendered(assistant, name):
    """The question is not echoed into the Markdown; quotes are escaped, so no tag reaches the page."""
    markdown = assistant.ask(ANSWERED[name]).markdown
    assert "<script" not in markdown.lower() and "<img" not in markdown.lower() and "javascript:" not in markdown


# Characters a user, a paste or an attacker can produce: every plane, controls and lone surrogates too.
any_char = st.characters(blacklist_categories=())
clinical = st.sampled_from(["LDN", "low dose naltrexone", "fibromyalgia pain", "dose", "opioids", "4.5 mg", ""])
hostile_questions = st.one_of(
    st.text(any_char, max_size=300),
    st.builds(lambda a, word, b: f"{a} {word} {b}", st.text(any_char, max_size=80), clinical, st.text(any_char, max_size=80)),
    st.builds(lambda ch, n, word: ch * n + word, any_char, st.integers(1, 2_500), clinical),
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=hostile_questions)
def test_ask_never_raises_anything_but_value_error(assistant, question):
    try:
        answer = run_bounded(assistant.ask, question)
    except ValueError as exc:
        assert isinstance(exc, QuestionError) and str(exc)
        return
    assert_well_formed(assistant, answer)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=hostile_questions)
def test_answer_never_raises(assistant, question):
    assert_well_formed(assistant, run_bounded(assistant.answer, question))


# --- the splitter on hostile text ---------------------------------------------------------------

SPLIT = SplitSettings(max_chars=600, target_chars=420)


def check_split(text: str, split: SplitSettings = SPLIT) -> list:
    source = Source("hostile.txt", "hostile.txt", text, SourceMetadata(), content_hash(text))
    passages = split_source(source, split)
    previous_end = 0
    for p in passages:
        assert text[p.start : p.end] == p.text
        assert 0 < len(p.text) <= split.max_chars
        assert p.start >= previous_end  # in order, never overlapping
        previous_end = p.end
        for a, b in passage_units(text, p.start, p.end):
            assert p.start <= a < b <= p.end
    return passages


hostile_fragments = st.sampled_from(
    [
        "\x00",
        "\x07",
        "\x1b[2J",
        "\x7f",
        "\u0085",
        "\u2028",
        "\u2029",
        "\r",
        "\r\n",
        "\f",
        "\v",
        "\t",
        "\u202e",
        "\u202c",
        "\u200f",
        "\u200b",
        "\ufeff",
        "مرحبا بالعالم. ",
        "שלום עולם. ",
        "ما هي الجرعة؟ ",
        "e\u0301",
        "a\u0308\u0323",
        "\u0301\u0301\u0301",
        "Z\u0351\u0352\u0353\u0354\u0355",
        "💊",
        "👨‍👩‍👧",
        "🇺🇸",
        "Low dose naltrexone. ",
        "Dr. Smith said 4.5 mg. ",
        "# Heading\n",
        "- item\n",
        "\n\n",
        " ",
        ".",
        "?!",
        "[1]",
    ]
)
hostile_documents = st.one_of(
    st.lists(hostile_fragments, max_size=400).map("".join),
    st.builds(lambda parts, n: "".join(parts) * n, st.lists(hostile_fragments, min_size=1, max_size=20), st.integers(1, 200)),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=3_000),
)


@settings(max_examples=150, deadline=None)
@given(text=hostile_documents)
def test_splitter_offsets_stay_exact_on_hostile_text(text):
    check_split(text)


@pytest.mark.parametrize(
    "name, text",
    [
        ("one 300 KB word", "x" * 300_000),
        ("combining marks", ("e\u0301" * 7 + " ") * 20_000),
        ("right to left", "مرحبا بالعالم " * 22_000),
        ("controls", ("LDN\x00dose\x07pain\x1b " * 16_000)),
        ("emoji", "💊🔥👨‍👩‍👧 " * 40_000),
    ],
)
def test_splitter_on_300kb_lines(name, text):
    assert "\n" not in text and len(text) >= 120_000
    passages = check_split(text)
    # Every visible character is in some passage: nothing of a long line is dropped.
    covered = sum(len(p.text) for p in passages)
    assert covered >= len(text.replace(" ", "")) * 0.99 or covered >= len(text.strip()) - len(passages)
