"""Hostile corpus files: ingest goes on, names each bad file with its reason, and indexes every good one.

Every file here is a real file on disk, read by the real loaders, embedded by the real model and
stored in a real Chroma collection. The CLI tests run `ldn-assistant ingest` as a subprocess, so
they see what a user sees: the exit code, the messages, and no traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, LDN_CLI, ROOT

MAX_BYTES = 400_000  # small enough that a 500 KB file is over it, large enough for the 300 KB line

SCRIPT_TEXT = "alert('stolen cookie')"
STYLE_TEXT = "color: hotpink"
NAV_TEXT = "Subscribe to our newsletter"
HTML_BODY = "Low dose naltrexone was studied in a small trial of patients with chronic back pain."
LATIN1_TEXT = "La naltrexone à faible dose réduit la douleur chez certains patients atteints de fibromyalgie."
UTF16_TEXT = "Low dose naltrexone has been used off-label for complex regional pain syndrome (CRPS) — a case series."
LONG_WORDS = "naltrexone fibromyalgia dose pain trial patients glial cells inflammation endorphin receptor".split()

# The file that is duplicated, and the name of its copy (sorted after it, so the copy is the one skipped).
DUPLICATED = sorted(p.name for p in CORPUS.glob("*.txt"))[0]
DUPLICATE = "zz_copy.txt"

# bad file -> a word its reason must contain
BAD = {
    "empty.txt": "no text",
    "blank.md": "no text",
    "binary.txt": "binary",
    "controls.md": "binary",
    "corrupt.pdf": "PDF",
    "picture.png": "unsupported",
    "big.txt": "limit",
    "badmeta.txt": "metadata",
    DUPLICATE: "duplicate",
}
GOOD_EXTRA = ["latin1.txt", "utf16.txt", "page.html", "longline.txt"]


def long_line() -> str:
    """A single line of about 300 KB: words and spaces, no sentence break, no newline."""
    words = []
    size = 0
    i = 0
    while size < 300_000:
        word = LONG_WORDS[(i * 7) % len(LONG_WORDS)]
        words.append(word)
        size += len(word) + 1
        i += 1
    return " ".join(words)


def write_hostile_corpus(dest: Path, shipped: int | None = None, long: bool = True) -> Path:
    """The shipped corpus (or its first `shipped` documents) plus every kind of hostile file."""
    dest.mkdir(parents=True)
    names = sorted(p.name for p in CORPUS.glob("*") if not p.name.endswith(".meta.json"))
    for name in names[:shipped]:
        shutil.copy(CORPUS / name, dest / name)
        meta = CORPUS / (name + ".meta.json")
        if meta.exists():
            shutil.copy(meta, dest / meta.name)
    (dest / "empty.txt").write_bytes(b"")
    (dest / "blank.md").write_bytes(b"  \n\t\n   \r\n")
    (dest / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (dest / "controls.md").write_bytes(bytes(range(1, 32)) * 50)
    (dest / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n" + bytes(range(256)) * 4)
    (dest / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (dest / "big.txt").write_text("naltrexone " * (MAX_BYTES // 11 + 100), encoding="utf-8")
    (dest / "badmeta.txt").write_text("Low dose naltrexone is taken at night.", encoding="utf-8")
    (dest / "badmeta.txt.meta.json").write_text("{not json", encoding="utf-8")
    shutil.copy(CORPUS / DUPLICATED, dest / DUPLICATE)
    (dest / "latin1.txt").write_bytes(LATIN1_TEXT.encode("latin-1"))
    (dest / "utf16.txt").write_bytes(UTF16_TEXT.encode("utf-16"))  # Python writes the BOM
    (dest / "page.html").write_text(
        "<!doctype html><html><head><title>LDN and back pain</title>"
        f"<style>body {{ {STYLE_TEXT} }}</style><script>{SCRIPT_TEXT}</script></head><body>"
        f"<nav><ul><li>Home<li>About<li>{NAV_TEXT}</ul></nav>"
        f"<header>Site header menu</header><main><h1>Back pain</h1><p>{HTML_BODY}<p>Doses were 4.5 mg at night."
        f"<script>document.write('{SCRIPT_TEXT}')</script><noscript>Enable JavaScript</noscript></main>"
        "<footer>Copyright footer text</footer></body></html>",
        encoding="utf-8",
    )
    if long:
        (dest / "longline.txt").write_text(long_line(), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, embedder):
    """One ingest of the shipped corpus plus the hostile files, in process with the session model."""
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.settings import Settings

    base = tmp_path_factory.mktemp("hostile")
    settings = Settings(corpus_dir=write_hostile_corpus(base / "corpus"), index_dir=base / "index", max_file_bytes=MAX_BYTES)
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest()
    return assistant, report


@pytest.mark.slow
def test_every_bad_file_is_named_with_its_reason(hostile):
    _, report = hostile
    reasons = {p.path: p.reason for p in report.skipped}
    assert set(reasons) == set(BAD)
    for path, word in BAD.items():
        assert word.lower() in reasons[path].lower(), (path, reasons[path])
    assert DUPLICATED in reasons[DUPLICATE]
    assert str(MAX_BYTES) in reasons["big.txt"].replace(",", "")


@pytest.mark.slow
def test_every_good_file_is_indexed(hostile):
    assistant, report = hostile
    shipped = {p.name for p in CORPUS.glob("*") if not p.name.endswith(".meta.json")}
    expected = shipped | set(GOOD_EXTRA)
    assert set(report.added) == expected
    assert {s.source_id for s in assistant.sources()} == expected
    assert report.passages == len(assistant.index.snapshot.passages)


@pytest.mark.slow
def test_non_utf8_text_is_decoded(hostile):
    assistant, _ = hostile
    assert assistant.get_source("latin1.txt").text == LATIN1_TEXT
    assert assistant.get_source("utf16.txt").text == UTF16_TEXT  # the BOM is not part of the text


@pytest.mark.slow
def test_html_keeps_only_visible_text(hostile):
    assistant, _ = hostile
    text = assistant.get_source("page.html").text
    assert HTML_BODY in text
    assert "4.5 mg at night" in text
    for hidden in (SCRIPT_TEXT, "document.write", STYLE_TEXT, NAV_TEXT, "Site header menu", "Copyright footer", "Enable JavaScript"):
        assert hidden not in text
    passages = [p for p in assistant.index.snapshot.passages if p.source_id == "page.html"]
    assert passages and all(SCRIPT_TEXT not in p.text and STYLE_TEXT not in p.text for p in passages)


@pytest.mark.slow
def test_script_in_a_document_never_becomes_evidence(hostile):
    assistant, _ = hostile
    for question in ("alert stolen cookie document write", "LDN back pain trial hotpink body color"):
        answer = assistant.ask(question)
        for p in answer.passages:
            assert SCRIPT_TEXT not in p.text and STYLE_TEXT not in p.text
        assert "<script" not in answer.markdown.lower()


@pytest.mark.slow
def test_a_300kb_line_is_split_exactly(hostile):
    assistant, _ = hostile
    source = assistant.get_source("longline.txt")
    passages = [p for p in assistant.index.snapshot.passages if p.source_id == "longline.txt"]
    assert len(source.text) >= 300_000
    assert len(passages) >= 300_000 // assistant.settings.max_passage_chars
    limit = assistant.settings.max_passage_chars
    for p in passages:
        assert source.text[p.start : p.end] == p.text
        assert 0 < len(p.text) <= limit
        assert not p.text[0].isspace() and not p.text[-1].isspace()
    # no word is cut: every passage starts and ends on a word of the line
    assert all(p.text.split()[0] in LONG_WORDS and p.text.split()[-1] in LONG_WORDS for p in passages)


@pytest.mark.slow
def test_a_duplicate_is_never_cited_twice(hostile):
    assistant, _ = hostile
    source_text = (CORPUS / DUPLICATED).read_text(encoding="utf-8")
    question = " ".join(source_text.split()[:25])  # words of the duplicated document itself
    answer = assistant.ask(question)
    assert DUPLICATE not in {p.source_id for p in answer.passages}
    texts = [p.text for p in answer.passages]
    assert len(texts) == len(set(texts))
    ids = [p.passage_id for p in assistant.index.snapshot.passages]
    assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_every_passage_is_verbatim_and_has_a_vector(hostile):
    assistant, _ = hostile
    snapshot = assistant.index.snapshot
    for p in snapshot.passages:
        assert snapshot.sources[p.source_id].text[p.start : p.end] == p.text
    from ldn_assistant.index import passage_of

    vectors = assistant.index.store.all_ids()
    assert {passage_of(u) for u in vectors} == {p.passage_id for p in snapshot.passages}
    assert len(vectors) == assistant.index.manifest["vectors"]


GOOD_NOTE = "Low dose naltrexone is usually taken at bedtime. Doses of 1.5 to 4.5 mg are common."


def _index_note_then_spoil_it(tmp_path, make_settings, embedder):
    """Index a one-note corpus, then overwrite the note with binary junk (not yet re-ingested)."""
    from ldn_assistant.assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text(GOOD_NOTE, encoding="utf-8")
    assistant = Assistant(make_settings(), embedder=embedder)
    assistant.ingest()
    (corpus / "note.txt").write_bytes(b"\x00\x01\x02" * 100)
    return assistant, corpus


@pytest.mark.slow
def test_a_source_that_fails_later_keeps_its_last_good_version(tmp_path, make_settings, embedder):
    """A document that was indexed and is now unreadable is reported, and its stored version stays."""
    assistant, corpus = _index_note_then_spoil_it(tmp_path, make_settings, embedder)
    report = assistant.ingest()
    assert [p.path for p in report.skipped] == ["note.txt"]
    assert "previously indexed version is kept" in report.skipped[0].reason
    assert assistant.get_source("note.txt").text == GOOD_NOTE


def cli_env(corpus: Path, index: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDN_")}
    env.update(
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        LDN_CORPUS_DIR=str(corpus),
        LDN_INDEX_DIR=str(index),
        **extra,
    )
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(LDN_CLI), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.slow
def test_cli_ingest_exit_codes_and_messages(tmp_path):
    """Exit 3 naming every skipped file, then 0 once the bad files are gone, 1 on failure; never a traceback."""
    # The 300 KB line is left out here: the in-process tests cover it, and the CLI only has to report.
    corpus = write_hostile_corpus(tmp_path / "corpus", shipped=2, long=False)
    good = 2 + len(GOOD_EXTRA) - 1
    env = cli_env(corpus, tmp_path / "index", LDN_MAX_FILE_BYTES=str(MAX_BYTES))

    first = run_cli("ingest", "--quiet", env=env)
    assert first.returncode == 3, first.stderr
    assert "Traceback" not in first.stderr + first.stdout
    for path, word in BAD.items():
        lines = [line for line in first.stderr.splitlines() if line.startswith(f"skipped {path}: ")]
        assert len(lines) == 1, (path, first.stderr)
        assert word.lower() in lines[0].lower()
    assert f"{good} added" in first.stdout
    assert f"{len(BAD)} skipped" in first.stdout

    for name in BAD:
        (corpus / name).unlink()
    (corpus / "badmeta.txt.meta.json").unlink()
    second = run_cli("ingest", "--quiet", env=env)
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr + second.stdout
    assert "0 added" in second.stdout and f"{good} unchanged" in second.stdout and "0 skipped" in second.stdout

    missing = run_cli("ingest", env=cli_env(tmp_path / "no-such-folder", tmp_path / "index2"))
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr + missing.stdout
    assert "does not exist" in missing.stderr


if __name__ == "__main__":  # pragma: no cover - handy for a look at the files
    write_hostile_corpus(Path(sys.argv[1]))


@pytest.mark.slow
def test_a_kept_version_never_duplicates_a_copy_that_loads(tmp_path, make_settings, embedder):
    """note.txt turns to junk while copy.txt arrives with note.txt's old text: the text is indexed once."""
    assistant, corpus = _index_note_then_spoil_it(tmp_path, make_settings, embedder)
    (corpus / "copy.txt").write_text(GOOD_NOTE, encoding="utf-8")
    report = assistant.ingest()
    assert [p.path for p in report.skipped] == ["note.txt"]
    assert {s.source_id for s in assistant.sources()} == {"copy.txt"}
    ids = [p.passage_id for p in assistant.index.snapshot.passages]
    assert len(ids) == len(set(ids))
    answer = assistant.ask("When is low dose naltrexone taken?")
    texts = [p.text for p in answer.passages]
    assert len(texts) == len(set(texts))
