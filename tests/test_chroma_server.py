"""Beyond one machine: ingest and ask against a real Chroma server, started from the chromadb package.

The server runs on a free loopback port with its own data folder and is stopped at the end. The same
corpus indexed in the server and in the embedded store must give the same answers.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMA, CORPUS, LDN_CLI, ROOT

QUESTIONS = [
    "What dose of LDN is used for fibromyalgia?",
    "Is low dose naltrexone FDA approved for chronic pain?",
    "How does LDN reduce inflammation?",
    "Can I take LDN with tramadol?",
    "What is the capital of France?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A `chroma run` server on a free loopback port; yields the port."""
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(data / "server.log", "wb")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data / "db")],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data,
    )
    try:
        deadline = time.monotonic() + 180
        while not heartbeat(port):
            assert proc.poll() is None, (data / "server.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the Chroma server never answered its heartbeat"
            time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def server_assistant(chroma_server, tmp_path_factory, embedder):
    """The shipped corpus indexed into the Chroma server (the manifest and snapshot stay in index_dir)."""
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.settings import Settings

    base = tmp_path_factory.mktemp("served")
    shutil.copytree(CORPUS, base / "corpus")
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index", chroma_host="127.0.0.1", chroma_port=chroma_server)
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest()
    assert not report.skipped
    return assistant


def cited(answer) -> list[tuple[str, int, int]]:
    return [(p.source_id, p.start, p.end) for p in answer.passages]


@pytest.mark.slow
@pytest.mark.server
def test_vectors_live_in_the_server_not_in_the_index_folder(server_assistant, chroma_server):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    index_dir = Path(server_assistant.settings.index_dir)
    assert not (index_dir / "chroma").exists()
    assert (index_dir / "manifest.json").exists()
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server, settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_collection(server_assistant.index.manifest["collection"])
    assert collection.count() == server_assistant.index.manifest["vectors"]
    assert server_assistant.index.store.client.get_settings().anonymized_telemetry is False


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.parametrize("question", QUESTIONS)
def test_server_answers_match_the_embedded_store(server_assistant, assistant, question):
    served, embedded = server_assistant.ask(question), assistant.ask(question)
    assert served.status == embedded.status
    assert cited(served) == cited(embedded)
    for p in served.passages:
        assert server_assistant.get_source(p.source_id).text[p.start : p.end] == p.text


@pytest.mark.slow
@pytest.mark.server
def test_cli_uses_the_server_through_environment_variables(server_assistant, chroma_server, assistant):
    """LDN_CHROMA_HOST / LDN_CHROMA_PORT: an unchanged ingest, then an answer, both from the server."""
    settings = server_assistant.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDN_")}
    env.update(
        HF_HUB_OFFLINE="1",
        LDN_CORPUS_DIR=str(settings.corpus_dir),
        LDN_INDEX_DIR=str(settings.index_dir),
        LDN_CHROMA_HOST="127.0.0.1",
        LDN_CHROMA_PORT=str(chroma_server),
    )
    ingest = subprocess.run([str(LDN_CLI), "ingest", "-q"], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert ingest.returncode == 0, ingest.stderr
    assert "0 added" in ingest.stdout and "0 removed" in ingest.stdout
    ask = subprocess.run([str(LDN_CLI), "ask", "--json", QUESTIONS[0]], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["status"] == "answered"
    assert [(p["source_id"], p["start"], p["end"]) for p in answer["passages"]] == cited(assistant.ask(QUESTIONS[0]))
    assert not (Path(settings.index_dir) / "chroma").exists()


@pytest.mark.slow
@pytest.mark.server
def test_a_changed_corpus_reaches_the_server(server_assistant, chroma_server):
    """Incremental ingest against the server: a removed document's vectors leave the server too."""
    from ldn_assistant.index import passage_of

    corpus = Path(server_assistant.settings.corpus_dir)
    victim = sorted(p.name for p in corpus.glob("*.txt"))[-1]
    shutil.move(corpus / victim, corpus.parent / victim)
    try:
        report = server_assistant.ingest()
        assert report.removed == (victim,)
        store = server_assistant.index.store
        assert {passage_of(u) for u in store.all_ids()} == {p.passage_id for p in server_assistant.index.snapshot.passages}
    finally:
        shutil.move(corpus.parent / victim, corpus / victim)
        server_assistant.ingest()
