"""How the chat UI looks (CSS) and the page's own small script: calm, readable, nothing flashy."""

from __future__ import annotations

CSS = """
.gradio-container { max-width: 1400px !important; margin: 0 auto; }
.ldn-header h1 { font-size: 1.55rem; margin: 0.2rem 0 0.1rem; color: #1e3a5f; }
.ldn-header p { margin: 0 0 0.4rem; color: #3b4a5c; font-size: 0.98rem; }
.ldn-disclaimers { display: grid; grid-template-columns: 1.15fr 1.15fr 0.7fr; gap: 0.6rem; margin: 0.2rem 0 0.3rem; }
.ldn-warn { border-radius: 6px; padding: 0.45rem 0.7rem; font-size: 0.8rem; line-height: 1.35; color: #2d3748; }
.ldn-warn p { margin: 0; }
.ldn-warn-opioid { background: #fff8eb; border-left: 4px solid #c27c0e; }
.ldn-warn-fda { background: #eef4fb; border-left: 4px solid #2f6db3; }
.ldn-warn-advice { background: #f3f5f7; border-left: 4px solid #7a8694; }
.ldn-warn-evidence { grid-column: 1 / -1; background: #f6f3fb; border-left: 4px solid #6b4fa3; }
#ldn-chat .bot-row p > code { font-size: 0.78rem; border-radius: 999px; padding: 0.05rem 0.5rem; background: #e8eef6; color: #1e3a5f; }
@media (max-width: 900px) { .ldn-disclaimers { grid-template-columns: 1fr; } }
#ldn-chat blockquote { border-left: 3px solid #2f6db3; background: #f7f9fc; margin: 0.3rem 0; padding: 0.35rem 0.7rem; }
.ldn-source { font-size: 0.9rem; }
.ldn-source-title { margin: 0.2rem 0 0.1rem; font-size: 1.05rem; color: #1e3a5f; }
.ldn-cited-as, .ldn-where { margin: 0.15rem 0; color: #52606d; font-size: 0.82rem; }
.ldn-meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.7rem; margin: 0.3rem 0; font-size: 0.82rem; }
.ldn-meta dt { color: #52606d; font-weight: 600; }
.ldn-meta dd { margin: 0; overflow-wrap: anywhere; }
.ldn-doc { position: relative; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 470px; overflow-y: auto;
  border: 1px solid #d5dce4; border-radius: 6px; padding: 0.6rem 0.8rem; background: #fff; line-height: 1.5; color: #1f2933; }
.ldn-doc mark { background: #fde68a; color: inherit; padding: 0.05rem 0; border-bottom: 2px solid #c27c0e; }
.ldn-empty p { color: #52606d; font-style: italic; padding: 0.8rem 0.2rem; }
"""

# Runs once on page load. It scrolls the source viewer so the highlighted passage is in view
# whenever new content arrives (watching the DOM is sturdier than timing a callback), and offers
# a download of the conversation built in the page, so no record is written to the server's disk.
PAGE_JS = """
() => {
  // The viewer's DOM is patched in place, so the same <mark> element can carry a new passage:
  // compare the passage's key, not the element.
  let lastQuote = null;
  const scrollToQuote = () => {
    const box = document.querySelector('#ldn-source .ldn-doc');
    const mark = box && box.querySelector('mark');
    if (!mark || !box.clientHeight || mark.dataset.quote === lastQuote) return;
    lastQuote = mark.dataset.quote;
    box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 4);
  };
  // A long answer is read from its start: show the latest question at the top of the chat.
  let shownQuestions = 0;
  const scrollToAnswer = () => {
    const log = document.querySelector('#ldn-chat [role=log]');
    const rows = log ? log.querySelectorAll('.user-row') : [];
    if (rows.length === shownQuestions) return;
    shownQuestions = rows.length;
    if (!rows.length) return;
    const row = rows[rows.length - 1];
    // Again after the answer's Markdown has been laid out, which can move the row.
    const place = () => { log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top - 8; };
    [0, 120, 400].forEach((ms) => setTimeout(place, ms));
  };
  new MutationObserver(() => { scrollToQuote(); scrollToAnswer(); }).observe(document.body, { childList: true, subtree: true });
  window.ldnDownload = (text, name, type) => {
    const url = URL.createObjectURL(new Blob([text || ''], { type: type + ';charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    return [];
  };
}
"""
