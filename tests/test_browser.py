"""The real chat UI in a real browser (Debian's headless Chromium, driven by Playwright), and the
/ask endpoint through gradio_client, against one app served on a free loopback port."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ldn_assistant.safety import FDA_STATUS, OPIOID_WARNING

from conftest import ROOT, copy_corpus
from test_evidence_basis import INTRODUCED
from test_evidence_basis import _report as write_eval_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = ROOT / "reports" / "browser" / "screenshot.png"  # not docs/: a test run must not change tracked files

# A document whose *text* is markup: it must show as these characters and never run.
SCRIPT_TAG = "<script>window.__pwned=1</script>"
IMG_TAG = '<img src=x onerror="window.__pwned=2">'
TEMPLATE_TEXT = "${window.__pwned=3}"
MARKUP_DOC = (
    "Compounding pharmacy bulletin on low dose naltrexone capsule labels\n\n"
    "Pharmacists who compound low dose naltrexone capsules sometimes receive label text pasted from web pages. "
    f"One such label read {SCRIPT_TAG} before the dosing line, and another carried {IMG_TAG} where the patient "
    f"name belonged. Template text such as {TEMPLATE_TEXT} and {{{{constructor.constructor('window.__pwned=4')()}}}} "
    "also turned up.\n"
    "The bulletin advises checking every low dose naltrexone capsule label by hand before it is dispensed.\n"
)
MARKUP_TITLE = "Bulletin <b>on</b> LDN capsule labels"
MARKUP_QUESTION = "What did pharmacists find on low dose naltrexone capsule labels?"
QUESTION = "What dose of LDN is used for chronic pain?"

pytestmark = [pytest.mark.slow, pytest.mark.server]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory, embedder, assistant):
    """The real app over the shipped corpus plus the markup document, on a free loopback port.

    It starts from a copy of the session's index, so ingest embeds only the one new document."""
    import shutil

    from ldn_assistant.assistant import Assistant
    from ldn_assistant.settings import Settings
    from ldn_assistant.ui.app import build_app, launch_kwargs

    base = tmp_path_factory.mktemp("ui")
    corpus = copy_corpus(base / "corpus")
    (corpus / "zz_markup_bulletin.txt").write_text(MARKUP_DOC, encoding="utf-8")
    meta = {"title": MARKUP_TITLE, "publisher": "Test <i>outlet</i>", "date": "2025-01-01", "kind": "test document"}
    (corpus / "zz_markup_bulletin.txt.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.copytree(assistant.settings.index_dir, base / "index")
    # An eval report beside the app (reports/eval/ and reports/scifact/, as the runners lay them out).
    report = write_eval_report(base / "reports" / "eval" / "report.json")
    settings = Settings(corpus_dir=corpus, index_dir=base / "index", ui_eval_report=report)
    app_assistant = Assistant(settings, embedder=embedder)
    report = app_assistant.ingest()
    assert report.added == ("zz_markup_bulletin.txt",), report
    app_assistant.warm_up()
    demo = build_app(app_assistant)
    port = _free_port()
    demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs("127.0.0.1", port))
    try:
        yield app_assistant, f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def _ask(page, question: str, answers_before: int) -> str:
    page.fill("#ldn-question textarea", question)
    page.click("#ldn-ask")
    page.wait_for_function(f"document.querySelectorAll('#ldn-chat .bot-row').length > {answers_before}", timeout=20_000)
    return page.locator("#ldn-chat .bot-row").last.inner_text()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium); `make chromium` installs it")
def test_chat_in_a_real_browser(served):
    from playwright.sync_api import sync_playwright

    assistant, url = served
    expected = assistant.answer(QUESTION)
    assert expected.status == "answered"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1400, "height": 1000}, accept_downloads=True, permissions=["clipboard-read", "clipboard-write"]
            )
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#ldn-question textarea")

            # The disclaimers are on the page before any question.
            banner = page.inner_text("#ldn-disclaimers")
            assert OPIOID_WARNING in banner and FDA_STATUS in banner

            # An answer: status, quoted evidence, the source named, both disclaimers.
            reply = _ask(page, QUESTION, 0)
            assert reply.startswith("Quoted from the sources")
            first = expected.passages[0]
            assert " ".join(first.text.split()[:12]) in " ".join(reply.split())
            assert first.title in reply
            assert OPIOID_WARNING in reply and FDA_STATUS in reply

            # Copy an answer as Markdown: the message's copy button gives exactly Answer.markdown.
            page.locator("#ldn-chat .bot-row").last.hover()
            page.locator("#ldn-chat .message-buttons-left button[aria-label='Copy message']").last.click()
            page.wait_for_function("(md) => navigator.clipboard.readText().then((t) => t === md)", arg=expected.markdown, timeout=5_000)

            # The source viewer: choose the second citation; its passage is highlighted and in view.
            second = expected.passages[1]
            page.click("#ldn-citation input")
            page.locator("[role=option]", has_text=f"Q1 [{second.rank}]").first.click()
            page.wait_for_function(
                "(t) => { const m = document.querySelector('#ldn-source mark'); return m && m.innerText.replace(/\\s+/g,' ').trim() === t; }",
                arg=" ".join(second.text.split()),
                timeout=10_000,
            )
            assert second.title in page.inner_text("#ldn-source")
            page.wait_for_function(
                """() => { const box = document.querySelector('#ldn-source .ldn-doc').getBoundingClientRect();
                           const m = document.querySelector('#ldn-source mark').getBoundingClientRect();
                           return m.top >= box.top - 1 && m.top < box.bottom; }""",
                timeout=10_000,
            )
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            # Export for a clinical record, built in the page.
            with page.expect_download() as download:
                page.click("#ldn-export-json")
            record = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            assert record["turns"][0]["asked"] == QUESTION
            assert record["turns"][0]["answer"] == expected.to_dict()

            # A document whose text is markup: shown as text, and nothing in it runs.
            reply = _ask(page, MARKUP_QUESTION, 1)
            # A new answer is shown from its start: its question at the top of the chat.
            page.wait_for_function(
                """() => { const log = document.querySelector('#ldn-chat [role=log]');
                           const rows = log.querySelectorAll('.user-row');
                           const gap = rows[rows.length - 1].getBoundingClientRect().top - log.getBoundingClientRect().top;
                           return gap >= 0 && gap < 40; }""",
                timeout=10_000,
            )
            assert SCRIPT_TAG in reply and IMG_TAG in reply and MARKUP_TITLE in reply
            viewer = page.inner_text("#ldn-source")
            assert SCRIPT_TAG in viewer and TEMPLATE_TEXT in viewer and MARKUP_TITLE in viewer
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.locator("img[src=x]").count() == 0
            assert page.locator("#ldn-chat script, #ldn-source script, #ldn-source b, #ldn-chat b").count() == 0

            # An example question asks with one click; a short follow-up says what it searched.
            page.locator("#ldn-chat").scroll_into_view_if_needed()
            page.get_by_text("Does LDN help fibromyalgia?", exact=True).click()
            page.wait_for_function("document.querySelectorAll('#ldn-chat .bot-row').length > 2", timeout=20_000)
            reply = _ask(page, "and the side effects?", 3)
            assert reply.startswith("Follow-up, searched as: “and the side effects? — LDN fibromyalgia”")
        finally:
            browser.close()


def test_ask_endpoint_through_gradio_client(served):
    from gradio_client import Client

    assistant, url = served
    client = Client(url, verbose=False)
    result = client.predict("Is low dose naltrexone FDA approved for chronic pain?", api_name="/ask")
    assert result == assistant.answer("Is low dose naltrexone FDA approved for chronic pain?").to_dict()
    assert result["disclaimers"][:2] == [OPIOID_WARNING, FDA_STATUS]
    too_long = client.predict("x" * (assistant.settings.max_question_chars + 1), api_name="/ask")
    assert too_long["status"] == "error" and "limit" in too_long["notice"]


def test_logins_are_enforced(served):
    from gradio_client import Client

    from ldn_assistant.ui.access import make_auth
    from ldn_assistant.ui.app import build_app, launch_kwargs

    assistant, _ = served
    demo = build_app(assistant)
    port = _free_port()
    demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs("127.0.0.1", port, make_auth({"dr_lee": "s3cret pass"})))
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(Exception):
            Client(url, verbose=False)
        with pytest.raises(Exception):
            Client(url, auth=("dr_lee", "wrong"), verbose=False)
        answer = Client(url, auth=("dr_lee", "s3cret pass"), verbose=False).predict("What dose of LDN is used?", api_name="/ask")
        assert answer["status"] == "answered"
    finally:
        demo.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium); `make chromium` installs it")
def test_evidence_basis_in_a_real_browser(served):
    """Issue 11 on the page: the evidence status in the banner, a conflict note and source tags on an
    answer, and the About tab with intended use, dated sources, live validation figures and the
    automation-bias statement."""
    from playwright.sync_api import sync_playwright

    assistant, url = served
    expected = assistant.answer(INTRODUCED)
    assert expected.conflicts
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_selector("#ldn-question textarea")
            assert assistant.evidence_status in page.inner_text("#ldn-disclaimers")

            reply = " ".join(_ask(page, INTRODUCED, 0).split())
            assert "Where the sources differ" in reply and expected.conflicts[0].note in reply
            first = expected.passages[0]
            assert f"Source A · {first.kind} · {first.date or 'date not stated'}" in reply
            assert assistant.evidence_status in reply

            page.get_by_role("tab", name="About").click()
            page.wait_for_function("document.querySelector('#ldn-about') && document.querySelector('#ldn-about').innerText.includes('Validation')", timeout=10_000)
            about = page.inner_text("#ldn-about")
            for heading in ("Intended use and users", "What goes in", "How an answer is made", "Data sources", "Known limits", "Do not rely on it because it is software"):
                assert heading in about
            assert "2024-11-10" in about and "2022-12-09" in about and "physician blog" in about
            assert "83%" in about and "88% of 189" in about and "0.720" in about  # from the report files
            # Live: a new report shows on the next page load, without a restart.
            write_eval_report(assistant.settings.ui_eval_report, hit3=0.9)
            page.reload()
            page.get_by_role("tab", name="About").click()
            page.wait_for_function("document.querySelector('#ldn-about') && document.querySelector('#ldn-about').innerText.includes('90%')", timeout=10_000)
        finally:
            browser.close()
