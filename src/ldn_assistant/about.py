"""The About page: the basis of what the assistant shows, laid open as the FDA's January 2026 guidance on
clinical decision support asks of software a professional must be able to review independently
(criterion 4): intended use and users, inputs, how an answer is made, the data sources and their
dates, the validation, the known limits, and a warning against automation bias.

Plain functions from sources, the corpus basis and report files to Markdown: the UI's About tab,
`ldn-assistant about` and `Assistant.about()` all print this one page. Reports are read on every
call, so a new evaluation shows without a restart.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .basis import CorpusBasis
from .render import escape_markdown
from .types import Source

NOT_STATED = "not stated"
NOT_RUN = "Not run yet"

INTENDED_USE = """\
## Intended use and users

**For health-care professionals** (physicians, pharmacists, nurses) who want to know what a curated
set of published sources says about **low dose naltrexone (LDN) for chronic pain**, and to check it
against those sources. It supports a clinician's own judgement; it does not replace it, and it is not
meant for time-critical decisions. Patients and caregivers may read its answers, but they are not
advice for any one person.

## What goes in

One typed question, in English. Nothing else: no patient record, no test results, no images, no
earlier visits. A short follow-up ("and the side effects?") is searched together with the subject of
the previous question, and the question that was searched is shown above its answer.

## How an answer is made

1. **Checked.** The question is read for signs of an emergency (then it only tells the reader to get
   help now), for instructions that try to change what the assistant says, and for whether it is
   about LDN for chronic pain.
2. **Searched.** The sources are searched two ways, by meaning (a small language model that
   compares sentences) and by their words, and the two result lists are merged.
3. **Quoted.** If the sources do not address the question, it says so and quotes nothing.
   Otherwise it shows the best passages **word for word**, numbered, each tagged with its source
   (a letter per document, so quotes from the same document are easy to spot), the kind of source
   and its date, and cited with title, outlet, author and the exact place in the document.
4. **Compared.** When the quotes give different values for the same thing (a year, a dose, a
   percentage, a price), a note above them says so and points at the quotes by number. The note is
   found automatically from the numbers and the words around them; it can miss a disagreement.
5. **Warned.** The same fixed texts come with every answer: the opioid interaction, LDN's FDA
   status, that the answer is not medical advice, and the evidence status (what kind of sources
   these are, and that they are not the trial literature).

## What it never does

- It never writes medical claims, summaries or advice of its own: every sentence of evidence it
  shows is a quotation, and it says where the quotation comes from.
- It never recommends a dose or a treatment for a patient, and never diagnoses.
- It never handles an emergency: it tells the reader to call emergency services.
- It never follows instructions to take on a role or to say something its sources do not.
- It never sends questions anywhere, and never stores them unless an administrator has turned on
  the audit log. Usage analytics are off.
"""

LIMITS = """\
## Known limits

- **The sources are all it knows.** It can quote only the documents listed above. What they do not
  contain (trial reports not among them, the product label, clinical guidelines, anything published
  after their dates) it cannot show, and a question about it gets "no evidence" or a partial answer.
- **Searching can miss.** The best passage is not always ranked first (see the figures above); read
  every quote, and the source itself, before relying on one.
- **Emergency checks can miss.** The check is built to err towards a false alarm, but it does not
  catch every way of describing an emergency (recall above). It is no substitute for triage by a person.
- **Disagreement notes are automatic.** They compare stated numbers and dates only, and can be wrong:
  on a question that asks for two dates at once, a note can mix two events. A value stated only more
  loosely ("the 1980s" against "1984") counts as different. A disagreement in words ("effective"
  against "no better than placebo") gets no note.
- **English only.** Questions and sources in other languages are not understood.
- **No patient record.** It cannot take a patient's age, weight, conditions, other medicines or
  allergies into account.
- **Metadata as given.** A source's kind, date and author are what the document says about itself;
  where it says nothing, the page shows *not stated* rather than a guess.
"""

AUTOMATION_BIAS = """\
## Do not rely on it because it is software

An answer here is a search result, not a judgement. Do not trust it more because a computer
produced it, and do not let it stand in for your own reading of the sources, the product label and
the trial literature, or for what you know about the patient. If an answer looks complete, check it
anyway: open the cited passages in their documents, weigh each source by its kind and date, and
decide for yourself.
"""


def _cell(value: Any) -> str:
    text = str(value) if value not in (None, "") else NOT_STATED
    return escape_markdown(" ".join(text.split()))


def corpus_markdown(sources: list[Source], basis: CorpusBasis | None = None, evidence_status: str | None = None) -> str:
    """Every indexed document with its kind and date, as a table, after what the sources are in sum."""
    basis = basis or CorpusBasis.from_sources(sources)
    summary = basis.describe()
    rows = ["## Data sources", "", f"In all: {escape_markdown(summary)}."]
    if evidence_status:
        rows += ["", escape_markdown(evidence_status)]
    rows += ["", f"Metadata not given by a source is shown as *{NOT_STATED}*.", ""]
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


def _read(path: Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("a report is a JSON object")
    return data


def _written(path: Path, report: dict[str, Any]) -> str:
    when = report.get("created") or report.get("finished")
    return str(when) if isinstance(when, str) else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(path.stat().st_mtime))


def eval_markdown(report_path: Path | None) -> str:
    """Every system and metric of the latest `ldn-assistant eval` report, or 'not run yet'."""
    head = "### All systems, all metrics"
    if report_path is None or not Path(report_path).is_file():
        return f"{head}\n\n{NOT_RUN}. Run `ldn-assistant eval` (or `make eval`) to measure answer quality."
    path = Path(report_path)
    try:
        report = _read(path)
        systems = report["systems"]
        if not isinstance(systems, dict) or not all(isinstance(v, dict) for v in systems.values()):
            raise ValueError("'systems' must map each system to its metrics")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{head}\n\nThe report at {escape_markdown(str(path))} could not be read ({escape_markdown(type(exc).__name__)})."
    metrics: list[str] = []
    for values in systems.values():
        metrics += [k for k, v in values.items() if k not in metrics and _format_metric(v) is not None]
    lines = [head, "", f"From {escape_markdown(str(path))}, written {escape_markdown(_written(path, report))}.", ""]
    lines.append("| System | " + " | ".join(escape_markdown(m) for m in metrics) + " |")
    lines.append("|---" * (len(metrics) + 1) + "|")
    for name, values in systems.items():
        cells = [_format_metric(values.get(m)) or "–" for m in metrics]
        lines.append(f"| {escape_markdown(str(name))} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _pct(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "–"


def _suites_markdown(report: dict[str, Any]) -> list[str]:
    """Finding the evidence and answering with the right status, per golden suite, the product beside the naive baseline."""
    per_suite = report.get("per_suite") or {"all suites": report.get("systems", {})}
    lines = [
        "**Finding the evidence** (golden question suites with the passage each answer must quote): how often that",
        "passage is quoted first or in the first three, and how often the answer has the right status (answered,",
        "no evidence, out of scope, emergency). A naive search pipeline is shown for comparison.",
        "",
        "| Suite | Questions | Evidence quoted first | In the first three | Right status | Naive pipeline, in the first three |",
        "|---|---|---|---|---|---|",
    ]
    for suite, systems in per_suite.items():
        if not isinstance(systems, dict):
            continue
        product = systems.get("ldn-assistant", {})
        naive = systems.get("naive-langchain", {})
        lines.append(
            f"| {escape_markdown(str(suite))} | {product.get('n_cases', '–')} | {_pct(product.get('hit@1'))} | "
            f"{_pct(product.get('hit@3'))} | {_pct(product.get('status_accuracy'))} | {_pct(naive.get('hit@3'))} |"
        )
    return lines


def _triage_markdown(report: dict[str, Any]) -> list[str]:
    halves = (report.get("triage") or {}).get("halves") or {}
    if not halves:
        return []
    from .evaluation.triage_eval import TUNED_ON

    tuned = " and ".join(f"*{name}*" for name in TUNED_ON)
    lines = [
        "",
        f"**Emergency checks** (messages describing an emergency, and ordinary ones; the check was tuned on {tuned}",
        "only, and the other sets were never used to tune it):",
        "",
        "| Set | Emergencies caught | Ordinary messages flagged as emergencies |",
        "|---|---|---|",
    ]
    for half, systems in halves.items():
        layered: dict[str, Any] = systems.get("layered") or next(iter(systems.values()), {})
        lines.append(
            f"| {escape_markdown(str(half))} | {_pct(layered.get('recall'))} of {layered.get('emergencies', '–')} | "
            f"{_pct(layered.get('false_alarm_rate'))} of {layered.get('non_emergencies', '–')} |"
        )
    return lines


def scifact_reports(eval_report: Path | None) -> list[Path]:
    """SciFact dev-split reports beside the eval report (reports/scifact/<name>/report.json)."""
    if eval_report is None:
        return []
    found = []
    for path in sorted((Path(eval_report).parent.parent / "scifact").glob("*/report.json")):
        try:
            if (_read(path).get("options") or {}).get("split") == "dev":
                found.append(path)
        except (OSError, ValueError):
            continue
    return found


def _scifact_markdown(eval_report: Path | None) -> list[str]:
    reports = scifact_reports(eval_report)
    if not reports:
        return []
    lines = [
        "",
        "**On documents nobody here wrote** (SciFact, a public benchmark of biomedical claims and the abstracts",
        "that support or refute them; dev claims, never tuned on). nDCG@10 is higher when the right abstracts",
        "rank nearer the top (1.0 is perfect); the published BM25 figure is shown where the run is comparable.",
        "",
        "| Run | Claims | Abstracts | nDCG@10 | Published BM25 nDCG@10 | Right abstract in the top 10 | Supporting sentence in the first three |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in reports:
        try:
            report = _read(path)
            product = next(s for s in report.get("systems", []) if s.get("system") == "ldn-assistant")
        except (OSError, ValueError, StopIteration, AttributeError):
            continue
        docs = (report.get("corpus") or {}).get("n_docs")
        published = report.get("published") or {}
        bm25 = next((f.get("ndcg@10") for f in published.get("figures", []) if str(f.get("system", "")).startswith("BM25")), None)
        lines.append(
            f"| {escape_markdown(str(report.get('name', path.parent.name)))} | {product.get('claims', '–')} | "
            f"{docs if docs is not None else '–'} | {_format_metric(product.get('ndcg@10')) or '–'} | "
            f"{(_format_metric(bm25) if published.get('comparable') else None) or '–'} | "
            f"{_pct(product.get('recall@10'))} | {_pct(product.get('rationale_hit@3'))} |"
        )
    return lines


def validation_markdown(report_path: Path | None) -> str:
    """The latest measured results in plain words, then every metric of every system."""
    head = "## Validation"
    path = Path(report_path) if report_path else None
    if path is None or not path.is_file():
        return f"{head}\n\n{NOT_RUN}. Run `ldn-assistant eval` (or `make eval`) to measure answer quality."
    try:
        report = _read(path)
        lines = [head, "", f"Latest evaluation, written {escape_markdown(_written(path, report))} ({escape_markdown(str(path))}).", ""]
        lines += _suites_markdown(report) + _triage_markdown(report) + _scifact_markdown(path)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        return f"{head}\n\nThe report at {escape_markdown(str(path))} could not be read ({escape_markdown(type(exc).__name__)})."
    return "\n".join(lines) + "\n\n" + eval_markdown(path)


def about_markdown(
    sources: list[Source],
    report_path: Path | None,
    model: str = "",
    version: str = "",
    evidence_status: str | None = None,
    basis: CorpusBasis | None = None,
) -> str:
    """The whole About page."""
    parts = [
        "# About this assistant",
        INTENDED_USE,
        corpus_markdown(sources, basis, evidence_status),
        validation_markdown(report_path),
        LIMITS,
        AUTOMATION_BIAS,
    ]
    if model or version:
        parts.append(f"## Version\n\nldn-assistant {escape_markdown(version)}; embedding model {escape_markdown(model)}.")
    return "\n\n".join(parts)
