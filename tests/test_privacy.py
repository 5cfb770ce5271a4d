"""Privacy and exposure: questions are never logged unless the audit log is switched on; telemetry is off."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess

import pytest
from conftest import PYTHON

# Questions a clinician might type, with a patient's details; none of this may reach a log.
MARKER = "Zqxvbrook"
PRIVATE_QUESTIONS = [
    f"My patient {MARKER} Jane, MRN 4471-{MARKER}, has fibromyalgia: what LDN dose?",
    f"{MARKER} takes oxycodone, can she start low dose naltrexone?",
    f"{MARKER} is not breathing after taking naltrexone",
    f"Write a poem about {MARKER}",
    f"{MARKER}\x00 broken",
]


@pytest.fixture()
def all_logs():
    """Every logger at DEBUG, every record captured, for the length of one test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for lg, level, disabled in saved:
            lg.setLevel(level)
            lg.disabled = disabled


@pytest.mark.slow
def test_questions_are_not_logged_by_default(assistant, all_logs, capfd):
    assert assistant.settings.audit_log is None
    for question in PRIVATE_QUESTIONS:
        assistant.answer(question)
        try:
            assistant.ask(question)
        except ValueError:
            pass
    out, err = capfd.readouterr()
    logs = all_logs.getvalue()
    assert MARKER not in logs
    assert MARKER not in out and MARKER not in err


@pytest.mark.slow
def test_a_failure_is_logged_without_the_question(assistant, all_logs):
    """answer() logs the traceback of an internal failure; the question text must not be in it."""
    from ldn_assistant.assistant import Assistant

    class BrokenEmbedder:
        name = "broken"

        def embed_query(self, text):
            raise RuntimeError("embedder is down")

        def embed_documents(self, texts, batch_size=64):
            raise RuntimeError("embedder is down")

        def embed_with_peaks(self, texts):
            raise RuntimeError("embedder is down")

    broken = Assistant(assistant.settings, embedder=BrokenEmbedder(), index=assistant.index)
    answer = broken.answer(PRIVATE_QUESTIONS[0])
    assert answer.status == "error"
    logs = all_logs.getvalue()
    assert "answering failed" in logs  # the failure is logged...
    assert MARKER not in logs  # ...but not what was asked


@pytest.mark.slow
def test_the_opt_in_audit_log_records_question_status_and_sources(assistant, tmp_path):
    from ldn_assistant.assistant import Assistant

    path = tmp_path / "audit" / "questions.jsonl"
    settings = assistant.settings.model_copy(update={"audit_log": path})
    audited = Assistant(settings, embedder=assistant.embedder, index=assistant.index)
    answers = [audited.ask(q) for q in ("What dose of LDN is used for fibromyalgia?", PRIVATE_QUESTIONS[2], PRIVATE_QUESTIONS[3])]
    with pytest.raises(ValueError):
        audited.ask(PRIVATE_QUESTIONS[4])  # refused before answering: nothing to audit
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(answers)
    for record, answer in zip(records, answers, strict=True):
        assert set(record) >= {"time", "question", "status", "sources"}
        assert record["question"] == answer.question
        assert record["status"] == answer.status
        assert record["sources"] == [f"{p.source_id}:{p.start}-{p.end}" for p in answer.passages]
    assert records[0]["status"] == "answered" and records[0]["sources"]
    assert records[1]["status"] == "emergency" and records[1]["sources"] == []
    assert MARKER in records[1]["question"]


def test_audit_log_is_off_unless_set(monkeypatch, tmp_path):
    from ldn_assistant.settings import Settings

    monkeypatch.delenv("LDN_AUDIT_LOG", raising=False)
    assert Settings().audit_log is None
    monkeypatch.setenv("LDN_AUDIT_LOG", str(tmp_path / "a.jsonl"))
    assert Settings().audit_log == tmp_path / "a.jsonl"


def test_chroma_telemetry_is_off_even_without_the_environment_variable(tmp_path):
    """In a clean process (no ANONYMIZED_TELEMETRY set), the store's Chroma client has telemetry off."""
    code = (
        "import os, json, sys\n"
        "from ldn_assistant.settings import Settings\n"
        "from ldn_assistant.store import VectorStore\n"
        "store = VectorStore(Settings(index_dir=sys.argv[1]), 'privacy-check')\n"
        "print(json.dumps({'telemetry': store.client.get_settings().anonymized_telemetry,"
        " 'env': os.environ.get('ANONYMIZED_TELEMETRY')}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ANONYMIZED_TELEMETRY" and not k.startswith("LDN_")}
    done = subprocess.run([str(PYTHON), "-c", code, str(tmp_path / "index")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"telemetry": False, "env": "False"}
