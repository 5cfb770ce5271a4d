"""The naive LangChain RAG baseline: fixed-size character chunks, a Chroma vector store, dense top k.

The one baseline of the eval runner, the SciFact run and the benchmark. It shares the product's corpus
(the same loaded source texts) and the same loaded embedder, through a LangChain Embeddings adapter, so
a comparison is between pipelines, not between models or corpora.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .systems import NAIVE, ShownPassage, SystemAnswer

if TYPE_CHECKING:
    from ..embeddings import Embedder
    from ..types import Source

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200  # the LangChain tutorial defaults


def embeddings_adapter(embedder: Embedder, batch_size: int = 64) -> Any:
    """Our embedder as a langchain_core Embeddings, so LangChain reuses the model already loaded.

    Built inside a function: langchain loads on first use, not when this module is imported.
    """
    from langchain_core.embeddings import Embeddings

    class EmbedderAdapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_documents(texts, batch_size=batch_size).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

    return EmbedderAdapter()


class NaiveLangChainRAG:
    """Split every source, embed the chunks into an in-memory Chroma collection, return the k nearest.

    It always answers and shows no disclaimers: that is what the naive pipeline does. With persist_dir
    the collection lives on disk, as the product's does (the benchmark times it so); else in memory.
    """

    name = NAIVE

    def __init__(self, sources: Sequence[Source], embedder: Embedder, k: int = 5, batch_size: int = 64, persist_dir: Path | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.k = k
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
        docs = splitter.create_documents([s.text for s in sources], metadatas=[{"source_id": s.source_id} for s in sources])
        self.n_chunks = len(docs)
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if persist_dir is None:
            self._client = chromadb.EphemeralClient(settings=chroma_settings)
        else:
            self._client = chromadb.PersistentClient(path=str(persist_dir), settings=chroma_settings)
        # A fresh collection name: in-memory clients in one process share their collections.
        self._collection = f"naive-langchain-{uuid.uuid4().hex[:12]}"
        self.store = Chroma(collection_name=self._collection, embedding_function=embeddings_adapter(embedder, batch_size), client=self._client)
        # Chroma refuses one upsert larger than its max batch size (5,461 in chromadb 1.5), which a
        # corpus of a few thousand documents exceeds; add the chunks in batches it accepts.
        batch = self._client.get_max_batch_size()
        for begin in range(0, len(docs), batch):
            self.store.add_documents(docs[begin : begin + batch])

    def search(self, question: str) -> list[Any]:
        """The k nearest chunks as LangChain Documents: the bare pipeline, as the benchmark times it."""
        return self.store.similarity_search(question, k=self.k)

    def answer(self, question: str) -> SystemAnswer:
        passages = []
        for doc in self.search(question):
            # add_start_index records where the chunk starts in its source text: the offsets to verify.
            start = int(doc.metadata["start_index"])
            passages.append(ShownPassage(doc.metadata["source_id"], start, start + len(doc.page_content), doc.page_content))
        return SystemAnswer("answered", tuple(passages), ())

    def close(self) -> None:
        """Drop the in-memory collection."""
        try:
            self._client.delete_collection(self._collection)
        except Exception:  # already gone; chromadb raises different types across versions
            pass
