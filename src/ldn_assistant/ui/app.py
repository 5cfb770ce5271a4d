"""The gradio Blocks app: layout and wiring only. What each event does lives in session.py."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# Before gradio is imported: it reads this at import time. Usage analytics stay off, always.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402 (after the analytics switch above)

from .. import __version__  # noqa: E402 (after the analytics switch above)
from ..safety import DISCLAIMERS  # noqa: E402 (after the analytics switch above)
from . import session  # noqa: E402 (after the analytics switch above)
from .conversation import Turn, conversation_json, conversation_markdown  # noqa: E402 (after the analytics switch above)
from .disclaimers import banner_html  # noqa: E402 (after the analytics switch above)
from .source_view import placeholder_html  # noqa: E402 (after the analytics switch above)
from .theme import CSS, PAGE_JS  # noqa: E402 (after the analytics switch above)

if TYPE_CHECKING:
    from ..assistant import Assistant

TITLE = "LDN evidence assistant"

EXAMPLES = [
    "What dose of LDN is used for chronic pain?",
    "How does low dose naltrexone work for pain?",
    "What are the side effects of LDN?",
    "Is low dose naltrexone FDA approved for chronic pain?",
    "Can I take LDN with tramadol?",
    "Does LDN help fibromyalgia?",
]


def header_html() -> str:
    return (
        "<header class='ldn-header'>"
        f"<h1>{TITLE}</h1>"
        "<p>Low dose naltrexone (LDN) for chronic pain, answered only with word-for-word, cited quotes from "
        "curated published sources. For health-care professionals.</p>"
        "</header>"
    )


def disclaimers_html(evidence_status: str | None = None) -> str:
    """The fixed disclaimers, and what kind of sources these are (named from the index), always on the
    page as one-line summaries (every answer carries them too)."""
    return banner_html((*DISCLAIMERS, *([evidence_status] if evidence_status else [])))


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat UI over one warm Assistant. Launch it with launch_app() (or demo.launch)."""
    settings = assistant.settings

    def on_ask(message: Any, turns: list[Turn]) -> tuple[Any, ...]:
        turns = turns or []
        if session.is_empty(message):
            # Nothing to search: say so where the user is looking, and change nothing else.
            return ("", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), session.status_html(session.EMPTY_QUESTION))
        turns = session.ask(assistant, message, turns)
        choice = session.latest_citation(turns)
        return (
            "",
            session.chat_messages(turns),
            turns,
            gr.Dropdown(choices=session.citation_choices(turns), value=choice),
            session.show_citation(assistant, choice, turns),
            conversation_markdown(turns, __version__),
            conversation_json(turns, __version__),
            session.status_html(""),
        )

    def on_citation(choice: str | None, turns: list[Turn]) -> str:
        return session.show_citation(assistant, choice, turns or [])

    def on_citation_tap(tap: str, turns: list[Turn]) -> tuple[Any, ...]:
        # A tapped [n] in an answer: the page script sends "turn:rank|nonce" (the nonce makes a second
        # tap on the same citation an input too).
        choice = session.tapped_citation(tap)
        return gr.Dropdown(value=choice), session.show_citation(assistant, choice, turns or [])

    def on_clear() -> tuple[Any, ...]:
        # Every control that clears resets the whole session: a question may hold patient details,
        # so nothing of it may stay in the history, the follow-up context, the viewer or an export.
        fresh = session.cleared()
        return (
            [],
            fresh,
            "",
            gr.Dropdown(choices=[], value=None),
            placeholder_html(session.VIEWER_HINT),
            conversation_markdown(fresh, __version__),
            conversation_json(fresh, __version__),
            session.status_html(""),
            "",
        )

    def ask_endpoint(question: str) -> dict:
        """Answer one question about low dose naltrexone for chronic pain. Returns Answer.to_dict(): question,
        status, notice, crisis_note, passages (verbatim text with citation and offsets), disclaimers,
        evidence_status, conflicts, opioid_warning_first, markdown."""
        return session.api_answer(assistant, question)

    def about_page() -> str:
        # Read on every page load, so a new eval report shows without a restart.
        return assistant.about(settings.ui_eval_report)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        turns = gr.State([])
        # No block padding: every pixel above the question box counts on a 768 px laptop screen.
        gr.HTML(header_html(), js_on_load=None, elem_id="ldn-header", padding=False)
        gr.HTML(disclaimers_html(assistant.evidence_status), js_on_load=None, elem_id="ldn-disclaimers", padding=False)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        # The question box comes first, so it is on the first screen of a laptop and a phone.
                        with gr.Row(elem_id="ldn-ask-row"):
                            question = gr.Textbox(
                                show_label=False,
                                placeholder="Ask about low dose naltrexone for chronic pain…",
                                elem_id="ldn-question",
                                scale=5,
                                lines=1,
                                max_lines=6,
                                # No autofocus: focusing scrolls the page past the title and warnings.
                                # The page script focuses it without scrolling, on wide screens only.
                                autofocus=False,
                            )
                            ask_button = gr.Button("Ask", variant="primary", elem_id="ldn-ask", scale=1, min_width=70)
                        status = gr.HTML(session.status_html(""), elem_id="ldn-status", js_on_load=None, padding=False)
                        chatbot = gr.Chatbot(
                            label="Conversation",
                            show_label=False,
                            elem_id="ldn-chat",
                            height=640,  # on a phone the CSS lets it grow instead: no scroll box inside the page
                            autoscroll=False,  # the page script shows the start of each new answer instead
                            buttons=["copy", "copy_all"],
                            latex_delimiters=[],  # "$45 ... $30" in a source is money, not mathematics
                            sanitize_html=True,
                            feedback_options=None,
                            placeholder="Answers appear here. Each quotes its sources; choose a citation number "
                            "such as [1] to read the passage in its whole document. Example questions are below.",
                        )
                        # Below the chat, so an answer starts high on the first screen of a laptop.
                        examples = gr.Examples(EXAMPLES, inputs=question, label="Example questions", examples_per_page=len(EXAMPLES))
                        with gr.Row():
                            md_button = gr.Button("Export conversation (Markdown)", size="sm", elem_id="ldn-export-md")
                            json_button = gr.Button("Export conversation (JSON)", size="sm", elem_id="ldn-export-json")
                            clear_button = gr.Button("New conversation", size="sm", elem_id="ldn-clear")
                        # The exports live in the page, not on disk: a record may hold patient details.
                        export_md = gr.Textbox(conversation_markdown([], __version__), visible=False)
                        export_json = gr.Textbox(conversation_json([], __version__), visible=False)
                        # A tapped citation number: the page script keeps it in window.ldnTap and clicks this
                        # off-screen button, whose js hands the value to the server.
                        cite_tap = gr.Textbox("", visible=False)
                        cite_go = gr.Button("Open the tapped citation", elem_id="ldn-cite-go", elem_classes=["ldn-offscreen"])
                    with gr.Column(scale=2, min_width=320, elem_id="ldn-viewer-column"):
                        citation = gr.Dropdown(
                            label="Source viewer: choose a citation",
                            choices=[],
                            value=None,
                            elem_id="ldn-citation",
                            interactive=True,
                        )
                        viewer = gr.HTML(placeholder_html(session.VIEWER_HINT), elem_id="ldn-source", js_on_load=None)
            with gr.Tab("About", id="about"):
                about = gr.Markdown(elem_id="ldn-about", latex_delimiters=[])

        ask_outputs = [question, chatbot, turns, citation, viewer, export_md, export_json, status]
        clear_outputs = [chatbot, turns, question, citation, viewer, export_md, export_json, status, cite_tap]
        private: dict[str, Any] = {"api_visibility": "private"}  # one keyword for listeners whose other parameters differ
        question.submit(on_ask, [question, turns], ask_outputs, **private)
        ask_button.click(on_ask, [question, turns], ask_outputs, **private)
        examples.load_input_event.then(on_ask, [question, turns], ask_outputs, **private)
        citation.input(on_citation, [citation, turns], viewer, **private)
        cite_go.click(on_citation_tap, [cite_tap, turns], [citation, viewer], js="(tap, turns) => [window.ldnTap || '', turns]", **private)
        # Gradio's own Clear (the bin icon on the chat) empties only the chat on screen: it must clear all.
        chatbot.clear(on_clear, None, clear_outputs, **private)
        clear_button.click(on_clear, None, clear_outputs, **private)
        md_button.click(None, export_md, None, js="(text) => window.ldnDownload(text, 'ldn-conversation.md', 'text/markdown')")
        json_button.click(None, export_json, None, js="(text) => window.ldnDownload(text, 'ldn-conversation.json', 'application/json')")
        demo.load(about_page, None, about, **private)
        gr.api(ask_endpoint, api_name="ask")
    demo.queue(max_size=settings.ui_queue_size, default_concurrency_limit=settings.ui_concurrency)
    return demo


def launch_kwargs(host: str, port: int, auth: Any = None) -> dict[str, Any]:
    """Everything launch() is given, in one place: loopback by default, no tracebacks, no telemetry."""
    return {
        "server_name": host,
        "server_port": port,
        "auth": auth,
        "auth_message": "Log in to the LDN evidence assistant." if auth else None,
        "show_error": False,  # errors reach users as notices in an answer, never as tracebacks
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "footer_links": ["api"],
        # Fonts bundled with gradio, so the page never fetches anything from a font service.
        "theme": gr.themes.Soft(
            primary_hue="blue",
            neutral_hue="slate",
            font=[gr.themes.LocalFont("IBM Plex Sans"), "ui-sans-serif", "system-ui", "sans-serif"],
        ),
        "css": CSS,
        "js": PAGE_JS,
    }
