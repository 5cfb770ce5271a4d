"""The About page: intended use and users, how an answer is made, the corpus, what the assistant
never does, and the latest evaluation results (as the FDA's guidance on clinical decision support
asks: a professional must be able to see the basis of what the software shows)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..render import escape_markdown
from ..types import Source

NOT_STATED = "not stated"

INTENDED_USE = """\
## Intended use

**For health-care professionals** (physicians, pharmacists, nurses) who want to know what a curated
set of published sources says about **low dose naltrexone (LDN) for chronic pain**, and to check it
against those sources. It supports a clinician's own judgement; it does not replace it. Patients and
caregivers may read its answers, but they are not advice for any one person.

## How an answer is made

1. **Checked.** The question is read for signs of an emergency, for instructions that try to change
   what the assistant says, and for whether it is about LDN for chronic pain.
2. **Searched.** The sources are searched two ways, by meaning (a small language model that
   compares sentences) and by their words, and the two result lists are merged.
3. **Quoted.** If the sources do not address the question, it says so and quotes nothing.
   Otherwise it shows the best passages **word for word**, numbered, each with its citation
   (title, outlet, author, date, kind of source, and the exact place in the document). Choose a
   citation to read the passage in its whole document.
4. **Warned.** The same fixed warnings (opioid interaction, FDA status) come with every answer.
5. **Follow-ups.** A short follow-up such as "and the side effects?" is searched together with the
   subject of the previous question. The question that was searched is shown above the answer.

## What it never does

- It never writes medical claims, summaries or advice of its own: every sentence of evidence it
  shows is a quotation, and it says where the quotation comes from.
- It never recommends a dose or a treatment for a patient, and never diagnoses.
- It never handles an emergency: it tells the reader to call emergency services.
- It never follows instructions to take on a role or to say something its sources do not.
- It never sends questions anywhere, and never stores them unless an administrator has turned on
  the audit log. Usage analytics are off.
"""


def _cell(value: Any) -> str:
    text = str(value) if value not in (None, "") else NOT_STATED
    return escape_markdown(" ".join(text.split()))


def corpus_markdown(sources: list[Source]) -> str:
    """Every indexed document with its kind and date, as a table."""
    rows = ["## The sources", "", f"{len(sources)} documents. Metadata not given by a source is shown as *{NOT_STATED}*.", ""]
    rows += ["| # | Title | Outlet | Author | Date | Kind of source |", "|---|---|---|---|---|---|"]
    for number, s in enumerate(sorted(sources, key=lambda s: s.source_id), start=1):
        m = s.metadata
        rows.append(f"| {number} | {_cell(s.title)} | {_cell(m.publisher)} | {_cell(m.author)} | {_cell(m.date)} | {_cell(m.kind)} |")
    return "\n".join(rows)


def _format_metric(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, str):
        return escape_markdown(value)
    return None  # nested breakdowns are in the report itself


def eval_markdown(report_path: Path | None) -> str:
    """The systems and metrics of the latest `ldn-assistant eval` report, or 'not run yet'."""
    head = "## Latest evaluation"
    if report_path is None or not Path(report_path).is_file():
        return f"{head}\n\nNot run yet. Run `ldn-assistant eval` (or `make eval`) to measure answer quality."
    path = Path(report_path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        systems = report["systems"]
        if not isinstance(systems, dict) or not all(isinstance(v, dict) for v in systems.values()):
            raise ValueError("'systems' must map each system to its metrics")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{head}\n\nThe report at {escape_markdown(str(path))} could not be read ({escape_markdown(type(exc).__name__)})."
    metrics: list[str] = []
    for values in systems.values():
        metrics += [k for k, v in values.items() if k not in metrics and _format_metric(v) is not None]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(path.stat().st_mtime))
    lines = [head, "", f"From {escape_markdown(str(path))}, written {when}.", ""]
    lines.append("| System | " + " | ".join(escape_markdown(m) for m in metrics) + " |")
    lines.append("|---" * (len(metrics) + 1) + "|")
    for name, values in systems.items():
        cells = [_format_metric(values.get(m)) or "–" for m in metrics]
        lines.append(f"| {escape_markdown(str(name))} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def about_markdown(sources: list[Source], report_path: Path | None, model: str = "", version: str = "") -> str:
    """The whole About page."""
    parts = [INTENDED_USE, corpus_markdown(sources), eval_markdown(report_path)]
    if model or version:
        parts.append(f"## Version\n\nldn-assistant {escape_markdown(version)}; embedding model {escape_markdown(model)}.")
    return "\n\n".join(parts)
