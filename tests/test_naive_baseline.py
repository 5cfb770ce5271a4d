"""The one naive LangChain baseline, as the eval runner (in memory) and the benchmark (on disk) build it:
real LangChain splitter, real Chroma, the real bundled model through the one embeddings adapter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CORPUS

from ldn_assistant.corpus import scan_corpus
from ldn_assistant.evaluation.naive import CHUNK_SIZE, NaiveLangChainRAG, embeddings_adapter

pytestmark = pytest.mark.slow

QUESTION = "What dose of LDN is used for fibromyalgia?"


@pytest.fixture(scope="module")
def sources():
    return scan_corpus(CORPUS, 20_000_000).sources


def test_the_adapter_hands_langchain_our_embedder_vectors(embedder):
    adapter = embeddings_adapter(embedder, batch_size=8)
    assert np.allclose(adapter.embed_query(QUESTION), embedder.embed_query(QUESTION))
    docs = adapter.embed_documents(["one text", "another text"])
    assert np.allclose(docs, embedder.embed_documents(["one text", "another text"], batch_size=8))


def test_in_memory_and_on_disk_baselines_return_the_same_verbatim_chunks(sources, embedder, tmp_path):
    by_id = {s.source_id: s.text for s in sources}
    in_memory = NaiveLangChainRAG(sources, embedder, k=3)
    on_disk = NaiveLangChainRAG(sources, embedder, k=3, persist_dir=tmp_path / "naive")
    try:
        assert in_memory.n_chunks == on_disk.n_chunks > len(sources)
        docs = on_disk.search(QUESTION)
        assert len(docs) == 3 and all(set(d.metadata) == {"source_id", "start_index"} for d in docs)
        answer = in_memory.answer(QUESTION)
        assert answer.status == "answered" and answer.disclaimers == ()
        assert [(p.source_id, p.start) for p in answer.passages] == [(d.metadata["source_id"], d.metadata["start_index"]) for d in docs]
        for p in answer.passages:
            assert by_id[p.source_id][p.start : p.end] == p.text and len(p.text) <= CHUNK_SIZE
    finally:
        in_memory.close()
        on_disk.close()
