"""The naive LangChain RAG baseline: fixed-size character chunks, a Chroma vector store, dense top k.

It shares the product's corpus (the same loaded source texts) and the same loaded embedder, through
a LangChain Embeddings adapter, so the comparison isolates what the product does differently.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Sequence

from .systems import NAIVE, ShownPassage, SystemAnswer

if TYPE_CHECKING:
    from ..embeddings import Embedder
    from ..types import Source

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200  # the LangChain tutorial defaults


def embeddings_adapter(embedder: "Embedder"):
    """Our embedder as a langchain_core Embeddings, so LangChain reuses the model already loaded."""
    from langchain_core.embeddings import Embeddings

    class EmbedderAdapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_documents(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

    return EmbedderAdapter()


class NaiveLangChainRAG:
    """Split every source, embed the chunks into an in-memory Chroma collection, return the k nearest.

    It always answers and shows no disclaimers: that is what the naive pipeline does.
    """

    name = NAIVE

    def __init__(self, sources: Sequence["Source"], embedder: "Embedder", k: int = 5) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.k = k
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
        docs = splitter.create_documents([s.text for s in sources], metadatas=[{"source_id": s.source_id} for s in sources])
        self.n_chunks = len(docs)
        self._client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        # A fresh collection name: in-memory clients in one process share their collections.
        self._collection = f"naive-langchain-{uuid.uuid4().hex[:12]}"
        self.store = Chroma(collection_name=self._collection, embedding_function=embeddings_adapter(embedder), client=self._client)
        # Chroma refuses one upsert larger than its max batch size (5,461 in chromadb 1.5), which a
        # corpus of a few thousand documents exceeds; add the chunks in batches it accepts.
        batch = self._client.get_max_batch_size()
        for begin in range(0, len(docs), batch):
            self.store.add_documents(docs[begin : begin + batch])

    def answer(self, question: str) -> SystemAnswer:
        docs = self.store.similarity_search(question, k=self.k)
        passages = []
        for doc in docs:
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
