"""Shared fixtures: the real bundled model and a real index, each built once per test session."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
# The tools of the environment running the tests (make test runs them from .venv).
VENV_BIN = Path(sys.executable).parent
PYTHON = VENV_BIN / "python"
LDN_CLI = VENV_BIN / "ldn-assistant"
CHROMA = VENV_BIN / "chroma"


@pytest.fixture(scope="session")
def embedder():
    """The bundled all-MiniLM-L6-v2 on the default backend (what users run), loaded once for every test that embeds."""
    from ldn_assistant.embeddings import make_embedder
    from ldn_assistant.settings import Settings

    model = make_embedder(Settings())
    model.embed_query("load")
    return model


@pytest.fixture(scope="session")
def torch_embedder():
    """The bundled model through sentence-transformers on PyTorch: the reference the ONNX backends are held to."""
    from ldn_assistant.embeddings import SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder()
    model.embed_query("load")
    return model


def copy_corpus(dest: Path) -> Path:
    """A private copy of the shipped corpus, so a test may add, change or delete files."""
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture()
def small_corpus(tmp_path):
    """Two short sources (a trial and side effects): enough for an index, quick to embed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Low dose naltrexone for fibromyalgia\n\nIn a small trial, women with fibromyalgia took 4.5 mg of "
        "naltrexone at night and reported less pain than on placebo.\n",
        encoding="utf-8",
    )
    (corpus / "b.md").write_text(
        "# Side effects\n\nVivid dreams and trouble sleeping were the side effects most often reported with LDN.\n",
        encoding="utf-8",
    )
    return corpus


@pytest.fixture()
def make_settings(tmp_path):
    """Settings over folders of this test's own: make_settings(corpus_dir=..., top_k=...)."""
    from ldn_assistant.settings import Settings

    def factory(**overrides):
        values = {"corpus_dir": tmp_path / "corpus", "index_dir": tmp_path / "index"}
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture(scope="session")
def shipped_settings(tmp_path_factory):
    """Settings over a copy of the shipped corpus with its own index folder."""
    from ldn_assistant.settings import Settings

    base = tmp_path_factory.mktemp("shipped")
    return Settings(corpus_dir=copy_corpus(base / "corpus"), index_dir=base / "index")


@pytest.fixture(scope="session")
def assistant(shipped_settings, embedder):
    """An Assistant over the shipped corpus, index built once, warm. Treat as read-only."""
    from ldn_assistant.assistant import Assistant

    built = Assistant(shipped_settings, embedder=embedder)
    built.ingest()
    built.warm_up()
    return built
