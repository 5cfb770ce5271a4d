"""Crash safety, proven by killing real ingest processes with SIGKILL.

The index is built once; then the corpus changes (a large document added, one edited, one removed)
and ingest is killed at several moments: from outside while it embeds, and from inside at exact
points of the commit (just before the manifest rename, and just after the commit, before the sweep).
After each kill a fresh process opens the index and must answer from the last committed content, every
passage verbatim. A final ingest must leave Chroma holding exactly the committed passages' vectors.

Each subprocess loads the model once (about 10 s); the chain uses four of them, so the verifying
process of one step is the killed ingest of the next.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, LDN_CLI, PYTHON, ROOT

QUESTIONS = [
    "What dose of LDN is used for fibromyalgia?",
    "What did the Halvorsen registry find for chronic pelvic pain with low dose naltrexone?",
    "What did the Quillfeather audit find about naltrexone and migraine frequency?",
]
EDIT = "\nIn the Quillfeather audit, low dose naltrexone reduced migraine frequency in 12 of 20 patients.\n"

# Runs in a fresh process: optionally verify the committed index by asking questions, then optionally
# ingest and SIGKILL itself at a named point, or report what Chroma and the snapshot hold.
DRIVER = r"""
import json, os, signal, sys
from pathlib import Path

config = json.loads(sys.argv[1])


def die(*_args, **_kwargs):
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


from ldn_assistant.settings import Settings

settings = Settings()
embedder = None
if config.get("questions"):
    from ldn_assistant.assistant import Assistant

    assistant = Assistant.from_settings(settings, build_if_missing=False)
    embedder = assistant.embedder
    answers = []
    for question in config["questions"]:
        answer = assistant.ask(question)
        answers.append({
            "status": answer.status,
            "passages": [
                [p.source_id, p.start, p.end, assistant.get_source(p.source_id).text[p.start:p.end] == p.text]
                for p in answer.passages
            ],
        })
    snapshot = assistant.index.snapshot
    print(json.dumps({
        "sources": {s.source_id: s.content_hash for s in assistant.sources()},
        "answers": answers,
        "passage_ids": [p.passage_id for p in snapshot.passages],
    }), flush=True)

kill = config.get("kill")
if kill is not None:
    from ldn_assistant.embeddings import SentenceTransformerEmbedder
    from ldn_assistant.index import ingest
    from ldn_assistant.store import VectorStore

    def progress(done, total):
        print(json.dumps({"progress": [done, total]}), flush=True)

    if kill.startswith("embed:"):
        after = int(kill.split(":")[1])
        progress = lambda done, total: die() if done >= after else None
    elif kill == "manifest-rename":
        # The snapshot is in place and the new manifest is written and synced; die before its rename.
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if Path(dst).name == "manifest.json":
                die()
            return real_replace(src, dst, *args, **kwargs)

        os.replace = replace
    elif kill == "sweep":
        VectorStore.delete = die  # the commit is done; die before any stale vector is deleted
    report = ingest(settings, embedder or SentenceTransformerEmbedder(settings.embedding_model), progress=progress)
    print(json.dumps({"report": report.to_dict()}), flush=True)

if config.get("check"):
    from ldn_assistant.index import passage_of
    from ldn_assistant.manifest import read_manifest
    from ldn_assistant.store import VectorStore

    manifest = read_manifest(settings.index_dir)
    snapshot = json.loads((settings.index_dir / manifest["snapshot"]).read_text(encoding="utf-8"))
    ids = VectorStore(settings, manifest["collection"]).all_ids()
    print(json.dumps({
        "vector_ids": sorted(ids),
        "vector_passages": sorted({passage_of(u) for u in ids}),
        "manifest_vectors": manifest["vectors"],
        "snapshot_ids": [p["passage_id"] for p in snapshot["passages"]],
        "files": sorted(os.listdir(settings.index_dir)),
    }), flush=True)
"""


def env_for(corpus: Path, index: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDN_")}
    env.update(
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        TOKENIZERS_PARALLELISM="false",
        LDN_CORPUS_DIR=str(corpus),
        LDN_INDEX_DIR=str(index),
        LDN_EMBEDDING_BATCH_SIZE="16",  # many small batches, so a kill lands between two of them
    )
    return env


def drive(env: dict[str, str], **config) -> tuple[int, list[dict], str]:
    """Run the driver; return its exit code, the JSON lines it printed, and its stderr."""
    done = subprocess.run([str(PYTHON), "-c", DRIVER, json.dumps(config)], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, lines, done.stderr


def large_document(paragraphs: int = 150) -> str:
    """A long, plausible document: each paragraph a passage of four sentences, so hundreds of vectors."""
    out = ["Halvorsen registry of low dose naltrexone in chronic pelvic pain"]
    for i in range(paragraphs):
        out.append(
            f"Registry note {i}: cohort {i} received low dose naltrexone at {1.5 + (i % 7) * 0.5} mg nightly for chronic "
            f"pelvic pain. Pain scores in cohort {i} fell by {10 + i % 40} percent over {4 + i % 9} weeks. Sleep "
            f"disturbance was reported by {i % 13} patients in cohort {i}. Vivid dreams were noted in {i % 5} of them."
        )
    return "\n".join(out) + "\n"


def check_verbatim(result: dict) -> None:
    for answer in result["answers"]:
        for source_id, start, end, verbatim in answer["passages"]:
            assert verbatim, (source_id, start, end)
            assert source_id in result["sources"]


def cited_sources(result: dict, question: int) -> set[str]:
    return {p[0] for p in result["answers"][question]["passages"]}


@pytest.fixture()
def baseline(tmp_path, embedder):
    """A committed index over a few shipped documents, built in this process."""
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.iterdir()):
        shutil.copy(path, corpus / path.name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest()
    sources = {s.source_id: s.content_hash for s in assistant.sources()}
    passage_ids = [p.passage_id for p in assistant.index.snapshot.passages]
    return settings, sources, passage_ids


def kill_cli_while_embedding(env: dict[str, str]) -> str:
    """Start `ldn-assistant ingest` and SIGKILL it from outside once its first batch is stored."""
    proc = subprocess.Popen([str(LDN_CLI), "ingest"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    seen = b""
    deadline = time.monotonic() + 600
    try:
        while b"embedding" not in seen and time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stderr], [], [], 0.5)
            if ready:
                seen += os.read(proc.stderr.fileno(), 65536)
        # The progress bar appears after the first batch is upserted: vectors exist, nothing is committed.
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, seen.decode(errors="replace"))
    return seen.decode(errors="replace")


@pytest.mark.slow
def test_sigkill_at_any_moment_keeps_the_committed_index(baseline):
    settings, old_sources, old_ids = baseline
    corpus, index_dir = Path(settings.corpus_dir), Path(settings.index_dir)
    env = env_for(corpus, index_dir)
    old_manifest = (index_dir / "manifest.json").read_bytes()

    # Change the corpus: one large document added, one edited, one removed.
    names = sorted(old_sources)
    edited, removed = names[0], names[1]
    (corpus / "large.txt").write_text(large_document(), encoding="utf-8")
    with open(corpus / edited, "a", encoding="utf-8") as handle:
        handle.write(EDIT)
    (corpus / removed).unlink()

    def assert_previous(result: dict) -> None:
        assert result["sources"] == old_sources  # the removed document is still served, the edit not yet
        assert result["passage_ids"] == old_ids
        check_verbatim(result)
        assert "large.txt" not in cited_sources(result, 1)
        assert result["answers"][0]["status"] == "answered"

    # 1. Killed from outside while embedding the large document.
    stderr = kill_cli_while_embedding(env)
    assert "Traceback" not in stderr
    assert (index_dir / "manifest.json").read_bytes() == old_manifest

    # 2. A fresh process answers from the previous index; then its own ingest dies just before the manifest rename.
    code, lines, _ = drive(env, questions=QUESTIONS, kill="manifest-rename")
    assert code == -signal.SIGKILL
    assert_previous(lines[0])
    assert (index_dir / "manifest.json").read_bytes() == old_manifest
    assert list(index_dir.glob(".manifest.json.*.tmp")), "the kill should have left the unrenamed manifest"

    # 3. Again the previous index; this ingest completes the commit and dies before deleting stale vectors.
    code, lines, _ = drive(env, questions=QUESTIONS, kill="sweep")
    assert code == -signal.SIGKILL
    assert_previous(lines[0])
    # It resumed: every vector the killed run stored was reused, none embedded again.
    assert [line["progress"] for line in lines[1:]] == [[0, 0]]
    assert (index_dir / "manifest.json").read_bytes() != old_manifest

    # 4. The new commit is served, with stale vectors still in the store; then an ingest runs to completion.
    code, lines, stderr = drive(env, questions=QUESTIONS, kill="never")
    assert code == 0, stderr
    new = lines[0]
    check_verbatim(new)
    assert set(new["sources"]) == (set(old_sources) - {removed}) | {"large.txt"}
    assert new["sources"][edited] != old_sources[edited]
    assert "large.txt" in cited_sources(new, 1)
    assert edited in cited_sources(new, 2)
    assert removed not in {p[0] for a in new["answers"] for p in a["passages"]}
    report = lines[-1]["report"]
    assert report["passages_embedded"] == 0 and not report["added"] and not report["removed"]

    # 5. A fresh process reads Chroma and the snapshot: no orphans, no duplicates, no leftover files.
    code, lines, stderr = drive(env, check=True)
    assert code == 0, stderr
    state = lines[0]
    assert len(state["snapshot_ids"]) == len(set(state["snapshot_ids"]))
    assert state["vector_passages"] == sorted(state["snapshot_ids"])
    assert len(state["vector_ids"]) == state["manifest_vectors"]
    assert state["snapshot_ids"] == new["passage_ids"]
    assert [f for f in state["files"] if f.startswith("snapshot-")] == [json.loads((index_dir / "manifest.json").read_text())["snapshot"]]
    assert not [f for f in state["files"] if f.endswith(".tmp")]


def hold_lock(index_dir: Path, seconds: float) -> subprocess.Popen:
    """Another process that holds the ingest lock, as a running ingest does."""
    code = (
        "import sys, time; from pathlib import Path; from ldn_assistant.manifest import ingest_lock\n"
        "with ingest_lock(Path(sys.argv[1])):\n"
        "    print('locked', flush=True); time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen([str(PYTHON), "-c", code, str(index_dir), str(seconds)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.mark.slow
def test_a_second_ingest_fails_clearly_and_corrupts_nothing(baseline, embedder):
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.manifest import IngestLockedError

    settings, old_sources, _ = baseline
    index_dir = Path(settings.index_dir)
    manifest = (index_dir / "manifest.json").read_bytes()
    (Path(settings.corpus_dir) / "new.txt").write_text("Low dose naltrexone is taken at bedtime.", encoding="utf-8")
    holder = hold_lock(index_dir, 120)
    try:
        with pytest.raises(IngestLockedError, match="another ingest is running"):
            Assistant(settings, embedder=embedder).ingest()
        cli = subprocess.run(
            [str(LDN_CLI), "ingest", "--wait", "0.5"],
            env=env_for(Path(settings.corpus_dir), index_dir),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert cli.returncode == 1
        assert "another ingest is running" in cli.stderr and "Traceback" not in cli.stderr
        assert (index_dir / "manifest.json").read_bytes() == manifest
    finally:
        holder.send_signal(signal.SIGKILL)  # a holder that dies drops its lock with it
        holder.wait(timeout=30)
    report = Assistant(settings, embedder=embedder).ingest()
    assert report.added == ("new.txt",)


@pytest.mark.slow
def test_a_second_ingest_that_waits_runs_after_the_first(baseline, embedder):
    from ldn_assistant.assistant import Assistant

    settings, old_sources, _ = baseline
    holder = hold_lock(Path(settings.index_dir), 1.5)
    try:
        report = Assistant(settings, embedder=embedder).ingest(lock_wait=120)
    finally:
        holder.wait(timeout=60)
    assert holder.returncode == 0
    assert set(report.unchanged) == set(old_sources)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
