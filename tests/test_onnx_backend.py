"""The ONNX Runtime backends: fp32 gives PyTorch's vectors, the query path never loads torch, and an index is
opened only by a backend whose vectors it can use. Real model, real index, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import CORPUS, ROOT, copy_corpus

QUESTION = "What dose of LDN is used for fibromyalgia?"
HEAVY = ("torch", "sentence_transformers", "transformers")


# --- Which embedder the settings give (no model loads) -----------------------------------------------------


def test_settings_choose_the_backend():
    from ldn_assistant.embeddings import SentenceTransformerEmbedder, effective_backend, make_embedder, vector_kind
    from ldn_assistant.embeddings_onnx import OnnxEmbedder
    from ldn_assistant.settings import Settings

    assert Settings().embedding_backend == "onnx"
    assert isinstance(make_embedder(Settings()), OnnxEmbedder)
    assert make_embedder(Settings(embedding_backend="onnx-int8")).backend == "onnx-int8"
    assert isinstance(make_embedder(Settings(embedding_backend="torch")), SentenceTransformerEmbedder)
    # Another model by name runs on sentence-transformers whatever the backend says.
    other = Settings(embedding_model="sentence-transformers/all-mpnet-base-v2", embedding_backend="onnx-int8")
    assert effective_backend(other) == "torch"
    assert isinstance(make_embedder(other), SentenceTransformerEmbedder)
    assert [vector_kind(b) for b in ("torch", "onnx", "onnx-int8")] == ["float32", "float32", "int8"]


def test_backend_is_read_from_the_environment(monkeypatch):
    from pydantic import ValidationError

    from ldn_assistant.settings import Settings

    monkeypatch.setenv("LDN_EMBEDDING_BACKEND", "onnx-int8")
    assert Settings().embedding_backend == "onnx-int8"
    monkeypatch.setenv("LDN_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(ValidationError):
        Settings()


def test_the_onnx_backend_refuses_other_models():
    from ldn_assistant.embeddings_onnx import OnnxEmbedder

    with pytest.raises(ValueError, match="torch backend"):
        OnnxEmbedder("sentence-transformers/all-mpnet-base-v2")


@pytest.mark.slow
def test_fixed_texts_are_embedded_once_then_read_from_disk(tmp_path, onnx_embedder, int8_embedder, torch_embedder):
    """The exemplar bank and the corpus vocabulary: a fresh process reads their vectors instead of embedding them."""
    from ldn_assistant.embeddings import embed_fixed

    bank = ["call 911 now", "I took too many pills", "what dose of LDN"]
    first = embed_fixed(onnx_embedder, bank, tmp_path)
    assert np.array_equal(first, onnx_embedder.embed_documents(bank))
    [written] = tmp_path.glob("*.npy")
    # Proof that a later call reads the file rather than embedding again: it returns what the file holds.
    np.save(written, np.zeros_like(first))
    assert not embed_fixed(onnx_embedder, bank, tmp_path).any()
    assert embed_fixed(onnx_embedder, bank[:2], tmp_path).any()  # other texts, another file
    assert embed_fixed(int8_embedder, bank, tmp_path).any()  # another backend never reads fp32's vectors
    assert len(list(tmp_path.glob("*.npy"))) == 3
    assert embed_fixed(torch_embedder, bank, tmp_path).any()  # nor does torch, though its vectors are nearly equal
    assert len(list(tmp_path.glob("*.npy"))) == 4
    # An embedder built by hand keeps nothing unless told where.
    assert torch_embedder.vector_cache is None


def test_the_torch_backend_keeps_its_vectors_under_its_model_files(tmp_path):
    """Without a folder, every process on torch would embed the exemplar bank and train triage again (minutes)."""
    from ldn_assistant.embeddings import make_embedder
    from ldn_assistant.embeddings_onnx import torch_vector_cache
    from ldn_assistant.settings import Settings

    model = tmp_path / "my-model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"weights")
    settings = Settings(embedding_model=str(model), index_dir=tmp_path / "index")
    folder = make_embedder(settings).vector_cache
    assert folder is not None and folder == torch_vector_cache(str(model), tmp_path / "index" / ".onnx")
    assert folder != make_embedder(Settings(index_dir=tmp_path / "index")).vector_cache  # the bundled model's
    # New weights at the same path: a new folder, so no vector of the old weights is read.
    os.utime(model / "model.safetensors", ns=(1, 1))
    assert torch_vector_cache(str(model)) != folder
    # A hub name that is not in the local cache: nothing to key it on, so nothing is kept.
    assert torch_vector_cache("someone/not-downloaded-model") is None


# --- Equivalence with PyTorch, on what the index and the questions really embed -------------------------------


def corpus_sentences() -> list[str]:
    """Every text ingest embeds for the shipped corpus (one per sentence unit)."""
    from ldn_assistant.corpus import scan_corpus
    from ldn_assistant.index import vector_units

    scan = scan_corpus(CORPUS, 10**8)
    from ldn_assistant.splitting import split_source

    return [text for source in scan.sources for p in split_source(source) for text in vector_units(p, source.text)]


def eval_questions() -> list[str]:
    return [
        json.loads(line)["user_input"]
        for suite in sorted((ROOT / "evals").glob("*.jsonl"))
        for line in suite.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def onnx_embedder():
    from ldn_assistant.embeddings import make_embedder
    from ldn_assistant.settings import Settings

    return make_embedder(Settings(embedding_backend="onnx"))


@pytest.fixture(scope="module")
def int8_embedder():
    from ldn_assistant.embeddings import make_embedder
    from ldn_assistant.settings import Settings

    return make_embedder(Settings(embedding_backend="onnx-int8"))


@pytest.mark.slow
def test_fp32_onnx_matches_torch_on_every_corpus_sentence(torch_embedder, onnx_embedder):
    texts = corpus_sentences()
    assert len(texts) > 100
    reference = torch_embedder.embed_documents(texts)
    got = onnx_embedder.embed_documents(texts)
    assert got.shape == reference.shape and got.dtype == np.float32
    cosines = np.sum(reference * got, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.9999, (cosines.min(), texts[worst])
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_fp32_onnx_matches_torch_on_questions_one_at_a_time(torch_embedder, onnx_embedder):
    """The query path embeds one text with no padding; edge cases too: empty, spaces only, past 256 tokens."""
    questions = eval_questions()[:60] + ["", "   ", "LDN", "naltrexone " * 400]
    for question in questions:
        cosine = float(np.dot(torch_embedder.embed_query(question), onnx_embedder.embed_query(question)))
        assert cosine >= 0.9999, (cosine, question)


@pytest.mark.slow
def test_batching_and_order_do_not_change_the_vectors(onnx_embedder):
    texts = corpus_sentences()[:50]
    whole = onnx_embedder.embed_documents(texts, batch_size=64)
    small = onnx_embedder.embed_documents(texts, batch_size=3)
    reversed_ = onnx_embedder.embed_documents(texts[::-1], batch_size=16)[::-1]
    assert np.min(np.sum(whole * small, axis=1)) >= 0.99999
    assert np.min(np.sum(whole * reversed_, axis=1)) >= 0.99999
    assert onnx_embedder.embed_documents([]).shape == (0, whole.shape[1])


def test_cheapest_runs_cut_only_where_padding_costs_more_than_a_run():
    from ldn_assistant.embeddings_onnx import cheapest_runs

    assert cheapest_runs([], 18) == []
    assert cheapest_runs([12], 18) == [[0]]
    assert cheapest_runs([17, 25], 18) == [[0, 1]]  # 8 padded tokens are cheaper than a second run
    assert cheapest_runs([10, 11, 12, 60], 18) == [[0, 1, 2], [3]]  # 144 padded tokens are not
    runs = cheapest_runs([3, 5, 8, 9, 30, 31, 80, 200], 18)
    assert [i for run in runs for i in run] == list(range(8))  # every text once, in order


@pytest.mark.slow
def test_a_message_and_its_sentences_get_the_vectors_of_one_padded_batch(onnx_embedder):
    """What triage embeds for a long message (the message, then its sentences) now runs in several batches cut by
    length: each vector is the one the single batch padded to the message's width gave."""
    from ldn_assistant.embeddings_onnx import cheapest_runs
    from ldn_assistant.triage import windows_to_embed

    story = (
        "I started LDN three weeks ago at 1.5 mg and slowly went up to 4.5 mg as my doctor suggested. "
        "The first nights I had vivid dreams but they settled. Yesterday my GP gave me tramadol for a bad back. "
        "Now I am shaking and sweating. Is this withdrawal?"
    )
    texts = [story, *windows_to_embed(story, 4)]
    encodings = onnx_embedder._tokenize(texts)
    assert len(cheapest_runs(sorted(len(e.ids) for e in encodings), onnx_embedder.RUN_COST_TOKENS)) > 1  # really cut
    one_batch = onnx_embedder._run(encodings, onnx_embedder._session(0))
    got = onnx_embedder.embed_documents(texts)
    assert got.shape == one_batch.shape
    assert np.abs(got - one_batch).max() <= 1e-5
    assert np.abs(got[0] - onnx_embedder.embed_query(story)).max() <= 1e-5


@pytest.mark.slow
def test_the_question_session_lets_the_cores_go_after_a_run(onnx_embedder):
    """Its worker threads never spin while idle (after a run they held the cores the rest of ask() needs); a
    single-threaded session, as ingest's workers use, has no worker threads and keeps ONNX Runtime's default."""
    options = onnx_embedder._session(0).get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    single = onnx_embedder._session(1).get_session_options()
    assert single.intra_op_num_threads == 1
    with pytest.raises(RuntimeError):  # ONNX Runtime raises for an entry that was never set
        single.get_session_config_entry("session.intra_op.allow_spinning")


@pytest.mark.slow
def test_peaks_come_with_the_vectors_from_one_run_and_match_torch(torch_embedder, onnx_embedder):
    """Triage reads each text's unit vector and its token-wise maxima of the hidden states from the same run: the
    first half is embed_documents' vector, the second is what sentence-transformers' token embeddings give."""
    texts = ["my husband will not wake up and his lips are blue", "LDN", *eval_questions()[:20]]
    onnx_rows, torch_rows = onnx_embedder.embed_with_peaks(texts), torch_embedder.embed_with_peaks(texts)
    dim = onnx_rows.shape[1] // 2
    assert onnx_rows.shape == torch_rows.shape == (len(texts), 2 * dim)
    assert np.abs(onnx_rows[:, :dim] - onnx_embedder.embed_documents(texts)).max() <= 1e-5
    assert np.abs(onnx_rows[0, :dim] - onnx_embedder.embed_query(texts[0])).max() <= 1e-5
    assert np.abs(onnx_rows[:, dim:] - torch_rows[:, dim:]).max() <= 1e-3 * np.abs(torch_rows[:, dim:]).max()
    assert np.min(np.sum(onnx_rows[:, :dim] * torch_rows[:, :dim], axis=1)) >= 0.9999
    # A maximum over real tokens only: padding to a longer neighbour's width leaves a short text's peaks alone.
    alone = onnx_embedder.embed_with_peaks(["LDN"])
    assert np.abs(alone[0] - onnx_rows[1]).max() <= 1e-4


@pytest.mark.slow
def test_chunks_stream_the_vectors_embed_documents_gives(onnx_embedder):
    """Ingest hands the ONNX embedder its texts chunk by chunk, and the next chunk encodes while one is stored:
    each chunk still gets the vectors embed_documents gives, in the caller's order, whatever its size."""
    import threading

    texts = corpus_sentences()[:150]
    chunks = [texts[:70], texts[70:71], [], texts[71:]]
    got = list(onnx_embedder.embed_chunks(chunks, batch_size=16))
    assert [len(g) for g in got] == [len(c) for c in chunks]
    whole = onnx_embedder.embed_documents(texts, batch_size=64)
    assert np.min(np.sum(np.concatenate(got) * whole, axis=1)) >= 0.99999
    # A caller that stops after the first chunk (a store write failed) leaves no encoder thread behind.
    stream = onnx_embedder.embed_chunks(chunks, batch_size=16)
    assert len(next(stream)) == 70
    stream.close()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("ldn-embed")]


@pytest.mark.slow
def test_int8_is_close_to_torch_but_not_the_same_vectors(torch_embedder, int8_embedder):
    """int8 is reported with its eval quality (docs/bench.md), not held to 0.9999: that is why it gets an index of its own."""
    texts = corpus_sentences()
    cosines = np.sum(torch_embedder.embed_documents(texts) * int8_embedder.embed_documents(texts), axis=1)
    assert cosines.mean() >= 0.98 and cosines.min() >= 0.9
    assert cosines.min() < 0.9999


@pytest.mark.slow
def test_the_export_recorded_its_own_check(onnx_embedder):
    from ldn_assistant.embeddings_onnx import META_FILE

    onnx_embedder.embed_query("load")
    meta = json.loads((onnx_embedder.cache_dir / META_FILE).read_text(encoding="utf-8"))
    assert meta["agreement_with_sentence_transformers"]["onnx"]["min_cosine"] >= 0.9999


# --- No torch on the query path ---------------------------------------------------------------------------

CLI_PROBE = """
import json, sys
from ldn_assistant.cli import main
main(["ask", {question!r}], standalone_mode=False)
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))
"""

UI_PROBE = """
import json, sys
from ldn_assistant.assistant import Assistant
from ldn_assistant.ui.app import build_app
assistant = Assistant.from_settings()
build_app(assistant)
assert assistant.ask({question!r}).status == "answered"
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))
"""


@pytest.fixture(scope="module")
def onnx_index(tmp_path_factory, onnx_embedder):
    """The shipped corpus indexed by the fp32 ONNX backend."""
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.settings import Settings

    base = tmp_path_factory.mktemp("onnx-index")
    settings = Settings(corpus_dir=copy_corpus(base / "corpus"), index_dir=base / "index", embedding_backend="onnx")
    Assistant(settings, embedder=onnx_embedder).ingest()
    return settings


def heavy_modules_after(probe: str, settings, backend: str) -> list[str]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "LDN_CORPUS_DIR": str(settings.corpus_dir),
        "LDN_INDEX_DIR": str(settings.index_dir),
        "LDN_EMBEDDING_BACKEND": backend,
    }
    code = probe.format(question=QUESTION, heavy=set(HEAVY))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("probe", [CLI_PROBE, UI_PROBE], ids=["cli-ask", "ui"])
def test_onnx_query_path_never_imports_torch(onnx_index, probe):
    assert heavy_modules_after(probe, onnx_index, "onnx") == []


@pytest.mark.slow
def test_the_probe_sees_torch_on_the_torch_backend(onnx_index):
    """Guard against a probe that cannot fail: the same question on the torch backend loads torch
    (and opens the fp32 ONNX index, whose vectors it shares)."""
    assert "torch" in heavy_modules_after(CLI_PROBE, onnx_index, "torch")


# --- Which backend may open which index --------------------------------------------------------------------


@pytest.mark.slow
def test_an_int8_index_is_refused_by_the_fp32_backends(make_settings, small_corpus, int8_embedder):
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.index import Index
    from ldn_assistant.manifest import IndexMismatchError

    built = make_settings(corpus_dir=small_corpus, embedding_backend="onnx-int8")
    Assistant(built, embedder=int8_embedder).ingest()
    assert Index.open(built).manifest["embedding_backend"] == "onnx-int8"
    for backend in ("onnx", "torch"):
        with pytest.raises(IndexMismatchError) as caught:
            Index.open(make_settings(corpus_dir=small_corpus, embedding_backend=backend))
        message = str(caught.value)
        assert "Run `ldn-assistant ingest`" in message
        assert "embedding_vectors: index has 'int8'" in message
        assert "'onnx-int8' embedding backend" in message


@pytest.mark.slow
def test_torch_and_fp32_onnx_share_an_index(make_settings, small_corpus, torch_embedder, onnx_embedder):
    """Their vectors agree to 0.9999 (above), so either opens the other's index, and an ingest after a switch
    re-embeds nothing."""
    from ldn_assistant.assistant import Assistant
    from ldn_assistant.index import Index

    by_torch = make_settings(corpus_dir=small_corpus, embedding_backend="torch")
    Assistant(by_torch, embedder=torch_embedder).ingest()
    by_onnx = make_settings(corpus_dir=small_corpus, embedding_backend="onnx")
    assistant = Assistant(by_onnx, embedder=onnx_embedder)
    assert assistant.ask("What dose was used for fibromyalgia?").status == "answered"
    report = assistant.ingest()
    assert report.passages_embedded == 0 and not report.rebuilt
    assert Index.open(by_onnx).manifest["embedding_backend"] == "onnx"


@pytest.mark.slow
def test_cli_names_the_backend_mismatch(make_settings, small_corpus, int8_embedder):
    from conftest import LDN_CLI

    from ldn_assistant.assistant import Assistant

    settings = make_settings(corpus_dir=small_corpus, embedding_backend="onnx-int8")
    Assistant(settings, embedder=int8_embedder).ingest()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LDN_CORPUS_DIR": str(small_corpus), "LDN_INDEX_DIR": str(settings.index_dir), "LDN_EMBEDDING_BACKEND": "onnx"}
    done = subprocess.run([str(LDN_CLI), "ask", QUESTION], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "ldn-assistant ingest" in done.stderr and "onnx-int8" in done.stderr
