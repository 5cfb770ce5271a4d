"""The naive LangChain pipeline the benchmark compares against: 1000/200 character chunks, dense search only.

It uses our embedder through a LangChain Embeddings adapter, so the comparison is between pipelines,
not between models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..corpus import scan_corpus
from ..embeddings import Embedder

CHUNK_SIZE, CHUNK_OVERLAP, TOP_K = 1000, 200, 3


def embeddings_adapter(embedder: Embedder, batch_size: int = 64) -> Any:
    """A langchain_core Embeddings over our embedder (built inside a function: langchain loads on use)."""
    from langchain_core.embeddings import Embeddings

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_documents(texts, batch_size=batch_size).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

    return _Adapter()


class NaivePipeline:
    """RecursiveCharacterTextSplitter(1000, 200) into a langchain_chroma.Chroma; similarity_search top 3."""

    def __init__(self, store: Any, chunks: int) -> None:
        self.store = store
        self.chunks = chunks

    @classmethod
    def build(cls, corpus_dir: Path, embedder: Embedder, persist_dir: Path, batch_size: int = 64) -> "NaivePipeline":
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        scan = scan_corpus(Path(corpus_dir), 50_000_000)
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        documents = splitter.create_documents([s.text for s in scan.sources], [{"source": s.source_id} for s in scan.sources])
        from chromadb.config import Settings as ChromaSettings

        store = Chroma(
            collection_name="naive",
            embedding_function=embeddings_adapter(embedder, batch_size),
            persist_directory=str(persist_dir),
            client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True, persist_directory=str(persist_dir)),
        )
        store.add_documents(documents)
        return cls(store, len(documents))

    def search(self, question: str, k: int = TOP_K) -> list[Any]:
        return self.store.similarity_search(question, k=k)
