"""The real chat UI in a real browser (Debian's headless Chromium, driven by Playwright), and the
/ask endpoint through gradio_client, against one app served on a free loopback port.

Screens are a 1366x768 laptop and a 390x844 phone. The screenshots the run saves in
reports/browser/ are the ones docs/ and the README show (copied by hand after the final run)."""

from __future__ import annotations

import json
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, copy_corpus
from test_evidence_basis import ABOUT_HEADINGS, INTRODUCED
from test_evidence_basis import _report as write_eval_report

from ldn_assistant.safety import DISCLAIMERS, EMERGENCY_NOTICE, FDA_STATUS, NOT_MEDICAL_ADVICE, OPIOID_WARNING
from ldn_assistant.ui.disclaimers import summary
from ldn_assistant.ui.session import EMPTY_QUESTION

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "reports" / "browser"  # not docs/: a test run must not change tracked files
SCREENS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium); `make chromium` installs it")

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


@contextmanager
def _page(screen: str = "laptop", **options):
    """A fresh browser page the size of `screen`; a phone is a touch device, as a real one is."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            phone = screen == "phone"
            context = browser.new_context(viewport=SCREENS[screen], is_mobile=phone, has_touch=phone, **options)
            yield context.new_page()
        finally:
            browser.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#ldn-question textarea")
    page.wait_for_function("document.querySelector('#ldn-disclaimers .ldn-fold') !== null")
    # The page script runs once gradio has mounted the app and wired its events: only then is a click an event.
    page.wait_for_function("typeof window.ldnDownload === 'function'")


def _in_first_screen(page, selector: str) -> bool:
    """Is the element wholly inside the window, with the page not scrolled?"""
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                      return window.scrollY === 0 && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def _download(page, button: str) -> str:
    with page.expect_download() as download:
        page.click(button)
    return Path(download.value.path()).read_text(encoding="utf-8")


@pytest.mark.browser
@needs_chromium
def test_chat_in_a_real_browser(served):
    from playwright.sync_api import sync_playwright

    assistant, url = served
    expected = assistant.answer(QUESTION)
    assert expected.status == "answered"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, permissions=["clipboard-read", "clipboard-write"])
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#ldn-question textarea")

            # The disclaimers are on the page before any question (as summaries; see the first-screen test).
            banner = page.inner_text("#ldn-disclaimers")
            assert summary(OPIOID_WARNING) in banner and summary(FDA_STATUS) in banner

            # An answer: status, quoted evidence, the source named, both disclaimers.
            reply = _ask(page, QUESTION, 0)
            assert reply.startswith("Quoted from the sources")
            first = expected.passages[0]
            assert " ".join(first.text.split()[:12]) in " ".join(reply.split())
            assert first.title in reply
            # The disclaimers as one-line summaries, the full texts folded away (the fold test opens them).
            assert summary(OPIOID_WARNING) in reply and summary(FDA_STATUS) in reply
            assert FDA_STATUS not in _words(reply)

            # Copy an answer: the message's copy button gives its Markdown, full disclaimer and evidence-status texts included.
            page.locator("#ldn-chat .bot-row").last.hover()
            page.locator("#ldn-chat .message-buttons-left button[aria-label='Copy message']").last.click()
            page.wait_for_function(
                "(texts) => navigator.clipboard.readText().then((t) => texts.every((d) => t.includes(d)))",
                arg=[*DISCLAIMERS, assistant.evidence_status],
                timeout=5_000,
            )

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
                           return gap >= 0 && gap < 60; }""",
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


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_first_screen_and_one_answer(served, screen):
    """Title, warnings and question box on the first screen, with no scroll on load; an answer that
    reads top to bottom; on the phone, a tapped citation number opens the viewer at the quote."""
    assistant, url = served
    expected = assistant.answer(QUESTION)
    with _page(screen) as page:
        _open(page, url)
        page.wait_for_timeout(500)  # anything that would scroll the page on load (autofocus did) has run by now
        for part in ("#ldn-header h1", "#ldn-disclaimers", "#ldn-question textarea", "#ldn-ask"):
            assert _in_first_screen(page, part), f"{part} is not on the first {screen} screen"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{screen}-first.png"))

        _ask(page, QUESTION, 0)
        page.wait_for_function("document.querySelectorAll('#ldn-chat .ldn-cite').length > 1")
        # Settled: the viewer shows the first quote and no output is still marked as updating.
        page.wait_for_function("document.querySelector('#ldn-source mark') && !document.querySelector('[data-testid=status-tracker]:not(.hide)')")
        page.wait_for_timeout(600)  # for the picture only: gradio's fade-out of its loading veil has ended
        page.mouse.move(1, SCREENS[screen]["height"] - 1)  # and the Ask button not in its hover colour
        if screen == "phone":
            # No scroll box inside the page: the conversation is as tall as the answer.
            assert page.evaluate("(() => { const log = document.querySelector('#ldn-chat [role=log]'); return log.scrollHeight <= log.clientHeight + 1; })()")
            # The new answer is shown from its question, at the top of the screen.
            page.wait_for_function(
                "() => { const r = document.querySelector('#ldn-chat .user-row').getBoundingClientRect(); return r.top >= 0 && r.top < 120; }",
                timeout=10_000,
            )
        page.screenshot(path=str(SHOTS / f"{screen}-answer.png"))

        # Tap the second quote's number: the viewer shows that passage, on screen.
        second = expected.passages[1]
        page.locator("#ldn-chat .ldn-cite", has_text=f"[{second.rank}]").first.click()
        page.wait_for_function(
            """(t) => { const m = document.querySelector('#ldn-source mark');
                        if (!m || m.innerText.replace(/\\s+/g, ' ').trim() !== t) return false;
                        const r = m.getBoundingClientRect();
                        return r.top >= 0 && r.top < window.innerHeight - 40; }""",
            arg=_words(second.text),
            timeout=15_000,
        )
        assert second.title in page.inner_text("#ldn-source")
        if screen == "phone":
            page.screenshot(path=str(SHOTS / "phone-citation.png"))
            # And back up to the number tapped, in one tap.
            page.click("#ldn-back")
            page.wait_for_function(
                """(n) => { const el = [...document.querySelectorAll('#ldn-chat .ldn-cite')].find((e) => e.textContent.trim() === n);
                            const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }""",
                arg=f"[{second.rank}]",
            )


@pytest.mark.browser
@needs_chromium
def test_disclaimers_fold_to_one_line_with_the_full_text_a_click_away(served):
    assistant, url = served
    texts = (*DISCLAIMERS, assistant.evidence_status)  # the evidence status folds like the disclaimers
    with _page("laptop", accept_downloads=True) as page:
        _open(page, url)
        # The banner: a summary each, the full text behind "Full text".
        banner = page.locator("#ldn-disclaimers")
        for text in texts:
            assert summary(text) in banner.inner_text() and text not in _words(banner.inner_text())
        banner.locator("summary", has_text=summary(OPIOID_WARNING)).click()
        assert OPIOID_WARNING in _words(banner.inner_text())

        # An answer to a question without opioids: every disclaimer folded, each one click from its full text.
        reply = _ask(page, QUESTION, 0)
        assert all(text not in _words(reply) for text in texts)
        answer = page.locator("#ldn-chat .bot-row").last
        for text in texts:
            answer.locator("summary", has_text=summary(text)).click()
            assert text in _words(answer.inner_text())

        # A question naming an opioid: the opioid warning in full, first, before any quote.
        reply = _words(_ask(page, "Can I take LDN with tramadol?", 1))
        assert OPIOID_WARNING in reply and reply.index(OPIOID_WARNING) < reply.index("[1]")
        assert FDA_STATUS not in reply and NOT_MEDICAL_ADVICE not in reply and assistant.evidence_status not in reply

        # An emergency: the emergency notice always in full.
        reply = _words(_ask(page, "My husband took LDN and is not breathing", 2))
        assert reply.startswith("Emergency") and EMERGENCY_NOTICE in reply

        # What leaves the page keeps the full texts on every answer.
        record = json.loads(_download(page, "#ldn-export-json"))
        assert [t["answer"]["disclaimers"] for t in record["turns"]] == [list(DISCLAIMERS)] * 3
        assert [t["answer"]["evidence_status"] for t in record["turns"]] == [assistant.evidence_status] * 3
        markdown = _download(page, "#ldn-export-md")
        assert markdown.count(FDA_STATUS) == 3 and markdown.count(assistant.evidence_status) == 3


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("control", ["gradio-clear", "new-conversation"])
def test_clearing_leaves_nothing_of_the_earlier_question(served, control):
    """Patient details typed into a question are gone after either control that clears: from the
    page, from both exports, and from the next search (a follow-up no longer borrows from them)."""
    _, url = served
    private = "Roe5550147"  # no Markdown-escaped characters, so one search finds it everywhere
    question = f"My patient Jane {private} has fibromyalgia; does LDN help fibromyalgia?"
    with _page("laptop", accept_downloads=True) as page:
        _open(page, url)
        _ask(page, question, 0)
        assert private in page.content()
        assert private in _download(page, "#ldn-export-md")

        if control == "gradio-clear":
            page.click("#ldn-chat .top-panel button[aria-label='Clear']")  # the bin icon on the chat
        else:
            page.click("#ldn-clear")
        page.wait_for_function("document.querySelectorAll('#ldn-chat .bot-row, #ldn-chat .user-row').length === 0")
        page.wait_for_function("document.querySelector('#ldn-source mark') === null", timeout=10_000)

        # Nothing on the page: not in the HTML, not in any field's value, not in the citation list.
        values = page.evaluate("[...document.querySelectorAll('input, textarea')].map((e) => e.value).join(' ')")
        assert private not in page.content() and private not in values
        page.click("#ldn-citation input")
        assert page.locator("[role=option]").count() == 0
        page.keyboard.press("Escape")

        # Nothing in either export.
        markdown = _download(page, "#ldn-export-md")
        assert private not in markdown and "No questions were asked." in markdown
        record = json.loads(_download(page, "#ldn-export-json"))
        assert record["turns"] == [] and private not in json.dumps(record)

        # Nothing in the next search: this follow-up would have borrowed "LDN fibromyalgia".
        reply = _ask(page, "and the side effects?", 0)
        assert not reply.startswith("Follow-up")
        record = json.loads(_download(page, "#ldn-export-json"))
        assert [t["searched"] for t in record["turns"]] == ["and the side effects?"]


@pytest.mark.browser
@needs_chromium
def test_an_empty_question_gets_a_short_message(served):
    _, url = served
    with _page("laptop") as page:
        _open(page, url)
        page.click("#ldn-ask")
        page.wait_for_function("(m) => document.querySelector('#ldn-status').innerText.includes(m)", arg=EMPTY_QUESTION)
        page.fill("#ldn-question textarea", "   ")
        page.press("#ldn-question textarea", "Enter")
        # The status already shows the message, so wait for this submission's own reply, which empties
        # the box: otherwise it can land after the next question is typed and wipe it (CI saw that).
        page.wait_for_function("document.querySelector('#ldn-question textarea').value === ''")
        page.wait_for_function("(m) => document.querySelector('#ldn-status').innerText.includes(m)", arg=EMPTY_QUESTION)
        assert page.locator("#ldn-chat .bot-row").count() == 0
        # A real question clears the message.
        _ask(page, QUESTION, 0)
        page.wait_for_function("document.querySelector('#ldn-status').innerText.trim() === ''")


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
    from gradio_client.exceptions import AuthenticationError

    from ldn_assistant.ui.access import make_auth
    from ldn_assistant.ui.app import build_app, launch_kwargs

    assistant, _ = served
    demo = build_app(assistant)
    port = _free_port()
    demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs("127.0.0.1", port, make_auth({"dr_lee": "s3cret pass"})))
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url, verbose=False)
        # Gradio answers a wrong password with 400, which the client reports as a plain ValueError.
        with pytest.raises(ValueError, match="Could not login"):
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
            # The evidence status in the banner: its one-line summary, the full text one click away (issue 12).
            status = assistant.evidence_status
            banner = page.locator("#ldn-disclaimers")
            assert summary(status) in banner.inner_text() and status not in _words(banner.inner_text())
            banner.locator("summary", has_text=summary(status)).click()
            assert status in _words(banner.inner_text())

            reply = " ".join(_ask(page, INTRODUCED, 0).split())
            assert "Where the sources differ" in reply and expected.conflicts[0].note in reply
            assert reply.index("Where the sources differ") < reply.index("[1]")
            first = expected.passages[0]
            assert f"Source A · {first.kind} · {first.date or 'date not stated'}" in reply
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "laptop-conflict.png"))  # for a look; docs/ shows the four others
            # And on the answer: folded like the other disclaimers, whole after one click.
            answer = page.locator("#ldn-chat .bot-row").last
            assert summary(status) in reply and status not in reply
            answer.locator("summary", has_text=summary(status)).click()
            assert status in _words(answer.inner_text())

            page.get_by_role("tab", name="About").click()
            has_validation = "document.querySelector('#ldn-about') && document.querySelector('#ldn-about').innerText.includes('Validation')"
            page.wait_for_function(has_validation, timeout=10_000)
            about = page.inner_text("#ldn-about")
            for heading in ABOUT_HEADINGS:
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
