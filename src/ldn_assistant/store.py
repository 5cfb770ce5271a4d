"""The vector store: an embedded persistent Chroma in the index folder, or a Chroma server."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI

from .settings import Settings


def _client(settings: Settings) -> ClientAPI:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    path = Path(settings.index_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class VectorStore:
    """One Chroma collection of sentence embeddings. Ids name the passage and sentence; nothing else is stored,
    since the snapshot holds the text and its source (metadata made each write about 20% slower, measured)."""

    def __init__(self, settings: Settings, collection_name: str) -> None:
        self.client = _client(settings)
        self.name = collection_name
        # embedding_function=None: vectors come from our embedder; Chroma must never fetch a model of its own.
        self.collection = self.client.get_or_create_collection(collection_name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        self._max_batch = self.client.get_max_batch_size()

    def count(self) -> int:
        return self.collection.count()

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset, page = 0, 10_000
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            ids.update(got)
            if len(got) < page:
                return ids
            offset += page

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray) -> None:
        for i in range(0, len(ids), self._max_batch):
            j = i + self._max_batch
            self.collection.upsert(ids=list(ids[i:j]), embeddings=embeddings[i:j])

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), self._max_batch):
            self.collection.delete(ids=ids[i : i + self._max_batch])

    def query(self, embedding: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(vector id, cosine similarity), best first. `n` must not exceed the collection's size."""
        if n <= 0:
            return []
        result = self.collection.query(query_embeddings=[embedding], n_results=n, include=["distances"])
        distances = result["distances"]
        assert distances is not None  # asked for by include=["distances"]
        return [(pid, 1.0 - float(dist)) for pid, dist in zip(result["ids"][0], distances[0], strict=True)]

    def drop_collection(self, name: str) -> None:
        """Remove a collection left by a build with other settings, if it is still there."""
        try:
            self.client.delete_collection(name)
        except Exception:  # already gone: chromadb raises different types across versions
            pass
