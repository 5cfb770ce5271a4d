"""The chat UI's parts, called directly: follow-ups, access, the source viewer, exports, the About
page, and the event handlers over the real assistant. The browser test drives the whole page."""

from __future__ import annotations

import html
import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from ldn_assistant.answer import make_answer
from ldn_assistant.render import always_read, escape_markdown
from ldn_assistant.safety import (
    DISCLAIMERS,
    EMERGENCY_NOTICE,
    EVIDENCE_STATUS_TEMPLATE,
    FDA_STATUS,
    NOT_MEDICAL_ADVICE,
    OPIOID_WARNING,
)
from ldn_assistant.types import Answer, CitedPassage, Conflict, ConflictValue, Source, SourceMetadata, content_hash
from ldn_assistant.ui.about import NOT_STATED, about_markdown, eval_markdown
from ldn_assistant.ui.access import AccessError, bind_address, is_loopback, load_users, make_auth, parse_users
from ldn_assistant.ui.command import chat_command
from ldn_assistant.ui.conversation import Turn, conversation_json, conversation_markdown, turn_markdown
from ldn_assistant.ui.followup import MAX_FOLLOW_UP_WORDS, is_follow_up, resolve_follow_up, topic_words
from ldn_assistant.ui.source_view import inert, source_html

PREVIOUS = "Is LDN effective for fibromyalgia?"
MARKUP = "Before <script>window.__pwned=1</script> and <img src=x onerror=alert(1)> ${x} {{y}} after."


def _source(text: str = MARKUP, **meta) -> Source:
    return Source("doc.txt", "doc.txt", text, SourceMetadata(**meta), content_hash(text))


def _answer(question: str = "What dose of LDN?", text: str = "LDN is taken at 1.5 to 4.5 mg.") -> Answer:
    passage = CitedPassage(1, text, "doc.txt", "A <b>title</b>", "Outlet", None, "2024-01-01", "blog", None, 0, len(text), 0.5)
    return make_answer(question, "answered", None, (passage,))


# --- follow-ups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, expected",
    [
        ("and the side effects?", "and the side effects? — LDN fibromyalgia"),
        ("what dose?", "what dose? — LDN fibromyalgia"),
        ("Is it safe?", "Is it safe? — LDN fibromyalgia"),
        ("What about MS?", "What about MS? — LDN"),  # a new condition replaces the old one
        ("and with oxycodone?", "and with oxycodone? — LDN fibromyalgia"),
    ],
)
def test_a_short_follow_up_is_searched_with_the_previous_subject(question, expected):
    search = resolve_follow_up(question, PREVIOUS)
    assert search.searched == expected
    assert search.asked == question and search.follow_up


@pytest.mark.parametrize(
    "question",
    [
        "Is LDN FDA approved?",
        "Can I take naltrexone with tramadol?",
        "thanks",
        "hello there",
        "",
        "what is the usual dose of the medicine for people with long lasting pain in the lower back",
    ],
)
def test_questions_that_stand_alone_are_searched_as_asked(question):
    search = resolve_follow_up(question, PREVIOUS)
    assert search.searched == question and not search.follow_up


def test_no_previous_question_means_no_follow_up():
    assert resolve_follow_up("what dose?", None).searched == "what dose?"
    assert resolve_follow_up("what dose?", "what is it?").searched == "what dose?"  # no subject to borrow


def test_topic_keeps_the_subject_and_drops_what_was_asked():
    assert topic_words("What dose of LDN is used for fibromyalgia?") == ("LDN", "fibromyalgia")
    assert topic_words("Can I take LDN with tramadol?") == ("LDN", "tramadol")


def test_a_chain_of_follow_ups_keeps_its_subject():
    first = resolve_follow_up("what dose?", PREVIOUS)
    assert resolve_follow_up("and the side effects?", first.searched).searched == "and the side effects? — LDN fibromyalgia"


def test_long_questions_are_never_follow_ups():
    assert not is_follow_up("and " + " ".join(["pain"] * MAX_FOLLOW_UP_WORDS))


@given(st.text(max_size=80), st.text(max_size=80))
def test_the_users_words_are_always_searched_whole(question, previous):
    # It only ever adds the previous subject after the question: it never drops or rewrites a word,
    # so triage (emergency, instructions) still reads everything the user typed.
    search = resolve_follow_up(question, previous)
    assert search.searched == question or search.searched.startswith(question.strip() + " — ")


# --- access ---------------------------------------------------------------------------------------


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.org"))


def test_listening_beyond_loopback_needs_the_explicit_flag():
    assert bind_address("127.0.0.1", listen_all=False) == "127.0.0.1"
    for host in ("0.0.0.0", "192.168.1.5"):
        with pytest.raises(AccessError, match="--listen-all"):
            bind_address(host, listen_all=False)
    assert bind_address("127.0.0.1", listen_all=True) == "0.0.0.0"
    assert bind_address("192.168.1.5", listen_all=True) == "192.168.1.5"


def test_logins_parse_and_check(tmp_path):
    assert parse_users("ann:pw1, bob:p:w:2") == {"ann": "pw1", "bob": "p:w:2"}
    with pytest.raises(AccessError) as error:
        parse_users("ann:secret-one,bob")
    assert "entry 2" in str(error.value) and "secret-one" not in str(error.value)
    users_file = tmp_path / "users.txt"
    users_file.write_text("# clinic logins\ncara:pw3\n", encoding="utf-8")
    users = load_users("ann:pw1", users_file)
    assert users == {"ann": "pw1", "cara": "pw3"}
    check = make_auth(users)
    assert check("ann", "pw1") and check("cara", "pw3")
    assert not check("ann", "pw3") and not check("nobody", "") and not check("", "")
    assert make_auth({}) is None
    with pytest.raises(AccessError, match="cannot read"):
        load_users(None, tmp_path / "missing.txt")


def test_chat_refuses_a_public_host_before_loading_anything():
    result = CliRunner().invoke(chat_command, ["--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--listen-all" in result.output


def test_a_busy_port_is_one_line_and_a_failed_exit_before_the_model_loads():
    """`chat --port <busy>`: one line naming the port and the option, exit 1, and neither torch nor
    sentence-transformers nor gradio imported (so nothing slow ran). Timed only as a wide bound."""
    import socket
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from ldn_assistant.cli import main\n"
        "try:\n"
        "    main(['chat', '--port', sys.argv[1]])\n"
        "finally:\n"
        "    print(sorted(m for m in ('torch', 'sentence_transformers', 'gradio', 'chromadb') if m in sys.modules))\n"
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-c", script, str(port)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [f"Error: port {port} is in use on 127.0.0.1; choose another with --port (or LDN_PORT)"]
    assert run.stdout.strip() == "[]", "the model stack was imported before the port was checked"


def test_port_problem_names_a_free_port_free():
    import socket

    from ldn_assistant.settings import Settings
    from ldn_assistant.ui.port import port_problem

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert port_problem("127.0.0.1", free) is None
    assert Settings.model_fields["port"].default != 7860  # the project's own default, not gradio's


def test_chat_refuses_a_malformed_login_list(monkeypatch):
    monkeypatch.setenv("LDN_UI_USERS", "ann")
    result = CliRunner().invoke(chat_command, [])
    assert result.exit_code == 2 and "user:password" in result.output


# --- source viewer --------------------------------------------------------------------------------


def test_document_text_and_metadata_are_inert():
    start = MARKUP.index("<script>")
    end = MARKUP.index(" after")
    page = source_html(_source(title="<b>Bold</b> title", publisher="<i>x</i>"), start, end)
    assert "<script" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "${" not in page and "{{" not in page
    # What the browser shows is exactly the document's characters.
    marked = page.split("<mark", 1)[1].split(">", 1)[1].split("</mark>", 1)[0]
    assert html.unescape(marked) == MARKUP[start:end]
    assert html.unescape(page).count("<script>window.__pwned=1</script>") == 1


def test_offsets_outside_the_document_highlight_nothing():
    page = source_html(_source("short text"), 5, 999)
    assert "<mark" not in page and "short text" in page


def test_inert_escapes_quotes_for_attributes():
    assert inert("a'b\"c") == "a&#x27;b&quot;c"


# --- exports and About -----------------------------------------------------------------------------


def test_exports_hold_every_turn_for_the_record():
    turns = [Turn("What dose of LDN?", "What dose of LDN?", _answer()), Turn("and <b>side</b> effects?", "and <b>side</b> effects? — LDN", _answer("x"))]
    markdown = conversation_markdown(turns, "9.9")
    assert "## Question 1" in markdown and "## Question 2" in markdown and "9.9" in markdown
    assert escape_markdown("and <b>side</b> effects?") in markdown and "<b>side</b>" not in markdown
    assert markdown.count(OPIOID_WARNING) == 2
    record = json.loads(conversation_json(turns))
    assert [t["follow_up"] for t in record["turns"]] == [False, True]
    assert [Answer.from_dict(t["answer"]) for t in record["turns"]] == [t.answer for t in turns]
    assert turn_markdown(turns[1]).startswith("*Follow-up, searched as:*")
    assert turn_markdown(turns[0]) == turns[0].answer.markdown


def test_about_page_before_and_after_an_eval(tmp_path):
    sources = [_source(title="Doc <one>", kind="review", date="2024-01-01"), Source("b.txt", "b.txt", "t", SourceMetadata(), "h")]
    page = about_markdown(sources, tmp_path / "report.json")
    assert "Not run yet" in page and escape_markdown("Doc <one>") in page and escape_markdown("2024-01-01") in page
    assert NOT_STATED in page and "health-care professionals" in page and "never" in page
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"systems": {"ldn-assistant": {"hit@3": 0.9, "n": 40, "by_category": {}}, "naive": {"hit@3": 0.6}}}))
    table = eval_markdown(report)
    assert f"| {escape_markdown('ldn-assistant')} | 0.900 | 40 |" in table and "| naive | 0.600 | – |" in table and "by_category" not in table
    report.write_text("{not json")
    assert "could not be read" in eval_markdown(report)


# --- disclaimers in the chat ----------------------------------------------------------------------


# The evidence status as the index fills it in (any corpus description: the summary names none).
EVIDENCE_STATUS = EVIDENCE_STATUS_TEMPLATE.replace("{corpus}", "2 documents (1 blog, 1 news report), dated 2022 to 2024")


def test_each_disclaimer_folds_to_its_one_line_summary_with_the_full_text_inside():
    from ldn_assistant.domains import load_profile
    from ldn_assistant.ui.disclaimers import banner_html, folded, summary

    texts = (*DISCLAIMERS, EVIDENCE_STATUS)
    for text in texts:
        line = summary(text)
        assert "\n" not in line and len(line) < len(text) / 2
        fold = folded(text)
        assert fold.startswith("<details") and html.unescape(fold).count(text) == 1
        assert html.unescape(fold.split("<summary>")[1].split("</summary>")[0]).startswith(line)
    # The evidence status's own line from the profile, whatever corpus filled in its full text.
    assert summary(EVIDENCE_STATUS) == load_profile("ldn").text("evidence_status_summary")
    banner = html.unescape(banner_html(texts))
    assert all(text in banner and summary(text) in banner for text in texts)


def test_the_chat_folds_disclaimers_but_the_answer_and_exports_keep_them_whole():
    from ldn_assistant.ui.disclaimers import chat_answer, summary

    plain = _answer()
    texts = always_read(plain)  # the disclaimers and the evidence status
    assert texts == [*DISCLAIMERS, plain.evidence_status] and plain.evidence_status.startswith("Evidence status:")
    shown = chat_answer(plain)
    assert all(f"- {text}" not in shown and summary(text) in html.unescape(shown) for text in texts)
    assert shown.count("<details") == len(texts)
    assert shown.split("**Always read**")[0] == plain.markdown.split("**Always read**")[0]  # same quotes, same words
    assert all(f"- {text}" in plain.markdown for text in texts)  # Answer.markdown: unchanged contract
    markdown = conversation_markdown([Turn("q", "q", plain)])
    assert all(text in markdown for text in texts)

    opioid = make_answer("Can I take LDN with oxycodone?", "answered", None, plain.passages)
    shown = chat_answer(opioid)
    assert f"- {OPIOID_WARNING}" in shown and shown.index(OPIOID_WARNING) < shown.index("**[1]**")
    assert shown.count("<details") == len(texts) - 1

    emergency = make_answer("not breathing", "emergency", EMERGENCY_NOTICE)
    assert f"**{EMERGENCY_NOTICE}**" in chat_answer(emergency)


def test_plain_text_for_a_terminal_has_the_same_words_and_no_escapes():
    from ldn_assistant.render import answer_text

    text = "Reported 2022-12-09 [4] (n=12) with a *star* and a <tag>."
    answer = _answer(text=text)
    plain = answer_text(answer)
    assert text in plain and "A <b>title</b>" in plain and "\\" not in plain and "**" not in plain
    assert all(d in plain for d in DISCLAIMERS) and FDA_STATUS in plain and NOT_MEDICAL_ADVICE in plain
    assert escape_markdown(text) in answer.markdown  # the Markdown still escapes, for piping


def test_conflict_notes_and_source_tags_read_the_same_in_markdown_plain_text_and_chat():
    """One layout: the note before the quotes and the tag beside each number, in all three outputs."""
    from dataclasses import replace

    from ldn_assistant.render import answer_text
    from ldn_assistant.ui.disclaimers import chat_answer

    base = _answer(text="Naltrexone was introduced in 1965.")
    other = replace(base.passages[0], rank=2, text="Naltrexone was first used in the 1960s.", source_id="other.txt", kind=None, date=None)
    values = (ConflictValue(1, "1965", 29, 33), ConflictValue(2, "1960s", 33, 38))
    answer = replace(base, passages=(base.passages[0], other), conflicts=(Conflict("year", values),))
    note = "Sources differ on the year: [1] 1965; [2] 1960s."
    assert answer.conflicts[0].note == note

    plain = answer_text(answer)
    assert f"Where the sources differ\n\n- {note}" in plain
    assert "[1] Source A · blog · 2024-01-01\n" in plain and "[2] Source B · kind not stated · date not stated\n" in plain
    assert plain.index(note) < plain.index("[1] Source A") and "`" not in plain and "\\" not in plain

    for markdown in (answer.markdown, chat_answer(answer)):
        assert f"**Where the sources differ**\n\n- {escape_markdown(note)}" in markdown
        assert "**[1]** `Source A · blog · 2024-01-01`\n" in markdown
        assert "**[2]** `Source B · kind not stated · date not stated`\n" in markdown


# --- handlers over the real assistant --------------------------------------------------------------


@pytest.mark.slow
def test_a_question_becomes_a_turn_with_the_rendered_answer(assistant):
    from ldn_assistant.ui import session

    turns = session.ask(assistant, "What dose of LDN is used for chronic pain?", [])
    assert len(turns) == 1 and turns[0].answer.status == "answered"
    messages = session.chat_messages(turns)
    assert messages[0] == {"role": "user", "content": escape_markdown("What dose of LDN is used for chronic pain?")}
    from ldn_assistant.ui.disclaimers import chat_answer

    # The chat shows the answer with its disclaimers folded; the full texts are inside the folds.
    assert messages[1]["role"] == "assistant" and messages[1]["content"] == chat_answer(turns[0].answer)
    shown = html.unescape(messages[1]["content"])
    assert OPIOID_WARNING in shown and FDA_STATUS in shown
    assert session.ask(assistant, "   ", turns) == turns  # an empty box asks nothing
    assert session.is_empty("   ") and not session.is_empty("x")
    assert session.EMPTY_QUESTION in session.status_html(session.EMPTY_QUESTION)


@pytest.mark.slow
def test_a_follow_up_is_answered_in_context_and_says_what_was_searched(assistant):
    from ldn_assistant.ui import session

    turns = session.ask(assistant, "Does LDN help fibromyalgia?", [])
    turns = session.ask(assistant, "and the side effects?", turns)
    follow = turns[-1]
    assert follow.searched == "and the side effects? — LDN fibromyalgia"
    assert follow.answer.question == follow.searched  # only the search changed, the answer is still quotes
    assert follow.answer.status == "answered"
    assert session.chat_messages(turns)[-1]["content"].startswith("*Follow-up, searched as:*")
    for p in follow.answer.passages:
        assert assistant.get_source(p.source_id).text[p.start : p.end] == p.text


@pytest.mark.slow
def test_a_refused_question_gives_no_subject_to_a_follow_up(assistant):
    from ldn_assistant.ui import session

    turns = session.ask(assistant, "What is the capital of France?", [])
    assert turns[0].answer.status == "out_of_scope"
    turns = session.ask(assistant, "what dose?", turns)
    assert not turns[-1].follow_up


@pytest.mark.slow
def test_a_too_long_question_gets_a_clear_notice(assistant):
    from ldn_assistant.ui import session

    limit = assistant.settings.max_question_chars
    turn = session.ask(assistant, "pain " * limit, [])[-1]
    assert turn.answer.status == "error" and f"{limit:,}" in turn.answer.notice
    assert turn.answer.disclaimers == DISCLAIMERS and not turn.answer.passages
    assert turn.answer.notice in session.chat_messages([turn])[1]["content"]


@pytest.mark.slow
def test_choosing_a_citation_shows_the_passage_highlighted(assistant):
    from ldn_assistant.ui import session

    turns = session.ask(assistant, "How does low dose naltrexone work for pain?", [])
    choices = session.citation_choices(turns)
    assert len(choices) == len(turns[0].answer.passages) and choices[0][1] == session.latest_citation(turns)
    passage = turns[0].answer.passages[1]
    page = session.show_citation(assistant, choices[1][1], turns)
    marked = page.split("<mark", 1)[1].split(">", 1)[1].split("</mark>", 1)[0]
    assert html.unescape(marked) == passage.text
    assert inert(passage.title) in page
    for bad in ("9:1", "0:99", "nonsense", None):
        assert "<mark" not in session.show_citation(assistant, bad, turns)
    # A tapped number in an answer arrives as "turn:rank|nonce".
    assert session.tapped_citation("0:2|1795451406530") == "0:2"
    assert all(session.tapped_citation(bad) is None for bad in ("", None, "x:1|2", "0:1:2", "<b>"))


@pytest.mark.slow
def test_the_api_handler_returns_the_answer_as_a_dict(assistant):
    from ldn_assistant.ui import session

    question = "Can I take LDN with tramadol?"
    assert session.api_answer(assistant, question) == assistant.answer(question).to_dict()
    assert session.api_answer(assistant, "")["status"] == "error"


@pytest.mark.slow
def test_the_app_exposes_only_ask_and_keeps_analytics_off(assistant):
    import os

    from ldn_assistant.ui.app import build_app, launch_kwargs

    demo = build_app(assistant)
    public = {f.api_name for f in demo.fns.values() if f.api_visibility == "public" and f.fn is not None}
    assert public == {"ask"}
    assert demo.analytics_enabled is False and os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert demo._queue.max_size == assistant.settings.ui_queue_size
    kwargs = launch_kwargs("127.0.0.1", 7860)
    assert kwargs["show_error"] is False and kwargs["server_name"] == "127.0.0.1" and kwargs["auth"] is None
