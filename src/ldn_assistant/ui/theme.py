"""How the chat UI looks (CSS) and the page's own small script: calm, readable, nothing flashy."""

from __future__ import annotations

import json

CSS = """
.gradio-container { max-width: 1400px !important; margin: 0 auto; }
.ldn-header h1 { font-size: 1.45rem; margin: 0.1rem 0 0.1rem; color: #1e3a5f; }
.ldn-header p { margin: 0 0 0.3rem; color: #3b4a5c; font-size: 0.95rem; }
/* align-items: start: one warning opened to its full text does not stretch the others to its height. */
.ldn-disclaimers { display: grid; gap: 0.5rem; margin: 0.1rem 0 0.2rem; align-items: start; }
.ldn-warn { border-radius: 6px; padding: 0.35rem 0.6rem; font-size: 0.8rem; line-height: 1.35; color: #2d3748; }
.ldn-warn p { margin: 0.3rem 0 0; }
.ldn-warn-0 { background: #fff8eb; border-left: 4px solid #c27c0e; }
.ldn-warn-1 { background: #eef4fb; border-left: 4px solid #2f6db3; }
.ldn-warn-2 { background: #f3f5f7; border-left: 4px solid #7a8694; }
.ldn-warn-3 { background: #f6f3fb; border-left: 4px solid #6b4fa3; }
details.ldn-fold > summary { cursor: pointer; list-style: none; }
details.ldn-fold > summary::-webkit-details-marker { display: none; }
details.ldn-fold .ldn-more { color: #2f6db3; text-decoration: underline; white-space: nowrap; font-size: 0.92em; }
details.ldn-fold[open] .ldn-more { display: none; }
#ldn-chat details.ldn-fold { margin: 0.25rem 0; padding: 0.25rem 0.5rem; border-left: 3px solid #c9d3de; background: #f7f9fc; font-size: 0.9em; }
#ldn-chat details.ldn-fold p { margin: 0.3rem 0 0; }
#ldn-ask-row { align-items: center; }
.ldn-status { margin: 0; min-height: 0; color: #9a3412; font-weight: 600; }
.ldn-status:empty { display: none; }
/* With no message, the status block takes no room (gradio's gap above it included). */
#ldn-status:has(.ldn-status:empty) { display: none !important; }
.ldn-offscreen { position: absolute !important; left: -10000px !important; width: 1px !important; height: 1px !important; overflow: hidden !important; }
/* Room for the chat's own buttons (clear, copy all), which otherwise sit on the first message. */
#ldn-chat [role=log] { padding-top: 2.2rem; }
/* The empty chat's hint sat at the bottom left of a blank 640 px box, like stray text. */
#ldn-chat .placeholder-content { justify-content: flex-start !important; align-items: flex-start !important; height: auto !important; padding: 0.6rem 1rem; }
#ldn-chat .placeholder { color: #52606d; font-style: italic; text-align: left; }
#ldn-chat .ldn-cite { color: #1d4f91; text-decoration: underline; cursor: pointer; }
/* A quote's source tag (a code span in the Markdown) as a badge beside its number. */
#ldn-chat .bot-row p > code { font-family: inherit; font-size: 0.78rem; border-radius: 0.8rem; padding: 0.1rem 0.55rem; background: #e8eef6; color: #1e3a5f; }
#ldn-chat blockquote { border-left: 3px solid #2f6db3; background: #f7f9fc; margin: 0.3rem 0; padding: 0.35rem 0.7rem; }
/* A long citation label ends in an ellipsis instead of running under the dropdown's arrow. */
#ldn-citation input { text-overflow: ellipsis; padding-right: 1.6rem; }
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
/* !important: over the banner's own columns (disclaimers.py), which suit a wide screen only. */
@media (max-width: 900px) { .ldn-disclaimers { grid-template-columns: 1fr !important; gap: 0.3rem; } }
/* A phone: the answer is read top to bottom in the page itself, not in a scroll box inside it. */
@media (max-width: 767px) {
  /* The width of a phone goes to the text: gradio's bubble insets (and its page margins, see
     PAGE_STYLE) left an answer 244 px wide on a 390 px screen. */
  #ldn-chat .message-row.bot-row { margin-left: 0 !important; margin-right: 0 !important; max-width: 100% !important; }
  #ldn-chat .message-row.user-row { margin-right: 0 !important; }
  .ldn-header h1 { font-size: 1.2rem; }
  .ldn-header p { font-size: 0.85rem; }
  #ldn-chat { height: auto !important; max-height: none !important; min-height: 0 !important; }
  #ldn-chat > .wrapper, #ldn-chat [role=log] { height: auto !important; max-height: none !important; overflow: visible !important; }
  .ldn-doc { max-height: 65vh; }
}
"""

# Rules for elements outside gradio's app container, which gradio's CSS option cannot reach (it
# scopes every rule to the container): the page margins and the phone's "back to the answer" button.
# The page script adds them to <head>.
PAGE_STYLE = """
@media (max-width: 767px) { .main.fillable { padding-left: 8px !important; padding-right: 8px !important; } }
#ldn-back { position: fixed; right: 12px; bottom: 16px; z-index: 50; padding: 0.5rem 0.8rem; border-radius: 999px;
  border: 1px solid #2f6db3; background: #fff; color: #1d4f91; font-size: 0.9rem; box-shadow: 0 2px 8px rgba(0,0,0,0.15); }
#ldn-back[hidden] { display: none; }
"""

# Runs once on page load. It scrolls the source viewer so the highlighted passage is in view
# whenever new content arrives (watching the DOM is sturdier than timing a callback), and offers
# a download of the conversation built in the page, so no record is written to the server's disk.
PAGE_JS = """
() => {
  const style = document.createElement('style');
  style.textContent = PAGE_STYLE_TEXT;
  document.head.appendChild(style);
  const narrow = () => window.matchMedia('(max-width: 767px)').matches;
  // Focus the question box without scrolling (autofocus scrolled the page past the title and the
  // warnings); not on a phone, where focus would pop up the keyboard over the first screen.
  const focusQuestion = () => {
    const box = document.querySelector('#ldn-question textarea');
    if (!box) return false;
    if (!narrow()) box.focus({ preventScroll: true });
    return true;
  };
  const focusTimer = setInterval(() => { if (focusQuestion()) clearInterval(focusTimer); }, 100);
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
  // After a tap, once the viewer shows that passage, bring it to the reader: on a phone the viewer
  // is below the whole conversation. The passage is placed near the top of the screen.
  let waiting = 0;
  const waitForViewer = (turn, rank) => {
    const wanted = `Quoted as [${rank}] in answer ${turn + 1}`;
    const ticket = ++waiting;
    const started = Date.now();
    const check = () => {
      if (ticket !== waiting) return;  // a newer tap replaced this one
      const label = document.querySelector('#ldn-source .ldn-cited-as');
      const mark = document.querySelector('#ldn-source mark');
      if (label && mark && label.textContent.startsWith(wanted)) {
        const box = mark.closest('.ldn-doc');
        box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 4);
        const card = document.querySelector('#ldn-citation') || box;
        const markTop = mark.getBoundingClientRect().top;
        // The viewer's heading and the quote together when they fit; else the quote at the top.
        const cardTop = card.getBoundingClientRect().top;
        const target = markTop - cardTop < window.innerHeight * 0.6 ? cardTop : markTop - 60;
        if (narrow() || markTop < 0 || markTop > window.innerHeight - 40) {
          window.scrollBy({ top: target - 8, behavior: 'instant' });
        }
      } else if (Date.now() - started < 15000) {
        setTimeout(check, 100);
      }
    };
    check();
  };
  // A long answer is read from its start: show the latest question at the top of the chat (of the
  // chat's own box on a laptop; of the page on a phone, where the chat has no box of its own).
  let shownQuestions = 0;
  const scrollToAnswer = () => {
    const log = document.querySelector('#ldn-chat [role=log]');
    const rows = log ? log.querySelectorAll('.user-row') : [];
    if (rows.length === shownQuestions) return;
    shownQuestions = rows.length;
    if (!rows.length) return;
    const row = rows[rows.length - 1];
    // Again after the answer's Markdown has been laid out, which can move the row.
    const place = () => {
      if (log.scrollHeight > log.clientHeight + 1) {
        // Below the chat's own buttons (clear, copy all), which float over the top of the log.
        log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top - 40;
      } else if (narrow()) {
        window.scrollBy({ top: row.getBoundingClientRect().top - 8, behavior: 'instant' });
      }
    };
    [0, 120, 400].forEach((ms) => setTimeout(place, ms));
  };
  // Citation numbers ([1], [2]) in an answer open that passage in the viewer.
  const CITE = /^\\[(\\d+)\\]$/;
  const markCitations = () => {
    document.querySelectorAll('#ldn-chat .bot-row strong:not(.ldn-cite)').forEach((el) => {
      if (CITE.test(el.textContent.trim())) {
        el.classList.add('ldn-cite');
        el.setAttribute('role', 'button');
        el.setAttribute('tabindex', '0');
        el.setAttribute('title', 'Read this passage in its document');
      }
    });
  };
  const openCitation = (el) => {
    const rows = Array.from(document.querySelectorAll('#ldn-chat .bot-row'));
    const turn = rows.indexOf(el.closest('.bot-row'));
    const rank = el.textContent.trim().match(CITE);
    const go = document.querySelector('#ldn-cite-go');
    if (turn < 0 || !rank || !go) return;
    window.ldnTap = `${turn}:${rank[1]}`;
    waitForViewer(turn, rank[1]);
    go.click();
    if (narrow()) offerWayBack(el);
  };
  // On a phone the viewer is far below the answer: a button takes the reader back to the number tapped.
  const offerWayBack = (el) => {
    let back = document.querySelector('#ldn-back');
    if (!back) {
      back = document.createElement('button');
      back.id = 'ldn-back';
      back.type = 'button';
      document.body.appendChild(back);
    }
    back.textContent = `↑ Back to ${el.textContent.trim()} in the answer`;
    back.hidden = false;
    back.onclick = () => {
      back.hidden = true;
      el.scrollIntoView({ block: 'center', behavior: 'instant' });
    };
  };
  document.addEventListener('click', (event) => {
    const el = event.target.closest && event.target.closest('#ldn-chat .ldn-cite');
    if (el) { event.preventDefault(); openCitation(el); }
  });
  document.addEventListener('keydown', (event) => {
    const el = event.target.closest && event.target.closest('#ldn-chat .ldn-cite');
    if (el && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); openCitation(el); }
  });
  new MutationObserver(() => { markCitations(); scrollToQuote(); scrollToAnswer(); }).observe(document.body, { childList: true, subtree: true });
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
PAGE_JS = PAGE_JS.replace("PAGE_STYLE_TEXT", json.dumps(PAGE_STYLE))
