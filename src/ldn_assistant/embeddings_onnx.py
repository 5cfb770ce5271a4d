"""The ONNX Runtime embedder for the bundled all-MiniLM-L6-v2: onnxruntime, tokenizers and numpy, never torch.

It computes what sentence-transformers computes for this model (its tokenizer, truncation at 256 tokens,
mean pooling over the attention mask, unit length) with a graph exported once from the package's own
weights (onnx_export.py). sentence-transformers' own backend="onnx" needs optimum-onnx, which does not
support the transformers release installed here, and imports torch on every load: it would not answer
before torch alone had loaded. The fp32 graph matches PyTorch to a cosine of 0.9999 or better (checked at
export and in the tests), so it shares indexes with the torch backend; the int8 graph does not.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cores import omp_threads, usable_cores
from .embeddings import MissingDependency, resolve_model_path
from .manifest import fingerprint_id
from .settings import BUNDLED_MODEL

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("ldn_assistant")

RECIPE = "minilm-onnx-v1"  # bump when onnx_export changes what it writes: a new cache folder, a new export
FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
META_FILE = "export.json"
LOCK_FILE = ".export.lock"


def bundled_model_dir() -> Path:
    return Path(resolve_model_path(BUNDLED_MODEL))


def _export_key(model_dir: Path) -> str:
    """Names the export: the recipe and the weights file it came from (a reinstalled package exports again)."""
    weights = model_dir / "model.safetensors"
    stat = weights.stat() if weights.exists() else None
    return fingerprint_id({"recipe": RECIPE, "model": str(model_dir), "size": stat and stat.st_size, "mtime": stat and stat.st_mtime_ns})


def cache_base(fallback: Path | None = None) -> Path:
    """Inside the virtual environment when there is one we may write to; else `fallback` (beside the index)."""
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    base = Path(sys.prefix) / "share" / "ldn-assistant" / "onnx"
    if not (in_venv and _writable(base)):
        base = Path(fallback) if fallback else Path.home() / ".cache" / "ldn-assistant" / "onnx"
    return base


def default_cache_dir(fallback: Path | None = None) -> Path:
    """The bundled model's export folder (see cache_base for where)."""
    return cache_base(fallback) / _export_key(bundled_model_dir())


def torch_vector_cache(model: str, fallback: Path | None = None) -> Path | None:
    """Where the torch backend keeps the vectors of fixed text lists (embeddings.embed_fixed) and triage's trained
    weights: a folder named after the model's files, so replaced weights at the same path or name are embedded
    anew. None when the model's files cannot be found on disk (a hub name not in the local cache): then nothing is kept.

    Without it, every process on torch embeds the exemplar bank (twice as wide, with the maxima) and trains
    triage's network again before its first answer: minutes on two cores."""
    folder = _local_model_dir(model)
    if folder is None:
        return None
    try:
        files = [{"name": f.name, "size": f.stat().st_size, "mtime": f.stat().st_mtime_ns} for f in sorted(folder.iterdir()) if f.is_file()]
    except OSError:  # a folder we may not list: loading will say what is wrong; keeping vectors is only a saving
        return None
    return cache_base(fallback) / f"torch-{fingerprint_id({'model': str(folder.resolve()), 'files': files})}" / "fixed-vectors"


def _local_model_dir(model: str) -> Path | None:
    """The folder a sentence-transformers model loads from: a local path, the bundled package, or the snapshot
    the Hugging Face cache holds for a hub name (without touching the network)."""
    try:
        path = Path(resolve_model_path(model))
    except MissingDependency:
        return None
    if path.is_dir():
        return path
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    # sentence-transformers also accepts its own models by their short name.
    for repo in (model, f"sentence-transformers/{model}"):
        try:
            found = try_to_load_from_cache(repo, "config.json")
        except ValueError:  # not a valid repository name
            continue
        if isinstance(found, str):
            return Path(found).parent
    return None


def _writable(path: Path) -> bool:
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    return existing is not None and os.access(existing, os.W_OK)


@contextlib.contextmanager
def export_lock(cache_dir: Path) -> Iterator[None]:
    """One export at a time per cache folder; others wait, then find the export done.

    filelock, as for the ingest lock (manifest.ingest_lock): an OS lock on POSIX and on Windows, so this
    module imports everywhere, and the OS drops it if the exporting process dies."""
    from filelock import FileLock

    cache_dir.mkdir(parents=True, exist_ok=True)
    # No soft (marker-file) fallback: a marker outlives a killed exporter and would block every later one.
    # The lock file is kept on release: unlinking a file another process may be opening invites races.
    with FileLock(cache_dir / LOCK_FILE, fallback_to_soft=False, preserve_lock_file=True):
        yield


def ensure_exported(cache_dir: Path) -> Path:
    """The export in cache_dir, made first if missing, in a subprocess: only that process loads torch."""
    if (cache_dir / META_FILE).exists():
        return cache_dir
    log.warning("exporting the bundled embedding model to ONNX into %s (once; about half a minute)", cache_dir)
    package_root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "ldn_assistant.onnx_export", "--dir", str(cache_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0 or not (cache_dir / META_FILE).exists():
        raise RuntimeError(
            f"exporting the embedding model to ONNX failed (exit {done.returncode}): {done.stderr[-1500:]}\n"
            "Set LDN_EMBEDDING_BACKEND=torch to embed with PyTorch instead."
        )
    return cache_dir


class OnnxEmbedder:
    """Unit-length embeddings of the bundled model from ONNX Runtime; sessions open on first use.

    A question runs on one session whose operators use every core. Many texts (ingest) run on a second,
    single-threaded session, one batch per core at a time: batches need no synchronisation between cores,
    and on a machine shared with other work a core that is taken away stalls only its own batch."""

    def __init__(self, model: str = BUNDLED_MODEL, quantized: bool = False, cache_dir: Path | None = None) -> None:
        if model != BUNDLED_MODEL:
            raise ValueError(f"the ONNX backend serves the bundled model only, not {model!r}; use the torch backend")
        self.name = model
        self.quantized = quantized
        self.backend = "onnx-int8" if quantized else "onnx"
        self._cache_dir = Path(cache_dir) if cache_dir else None
        self._file: Path | None = None
        self._model_dir: Path | None = None
        self._tokenizer = None
        self._pad_id = 0
        self._sessions: dict[int, Any] = {}  # intra-op threads -> session
        self._lock = threading.Lock()

    # Rows per ONNX Runtime run, whatever batch the caller asks for: one run's activations (the 1,536-wide
    # feed-forward layer) then stay in cache. Measured on the bench corpus's 2,816 sentences, single
    # session per core: 32 rows took 9% less CPU than 64, 128 rows 20% more; 16 was no better than 32.
    RUN_ROWS = 32
    # What one more ONNX Runtime run costs, in padded tokens (rows x width) of a run: every run streams all the
    # model's weights, whatever its size. Measured on the two-thread session (2-core EPYC, idle): 1.9 ms a run plus
    # 0.105 ms a token. A short sentence padded to a long message's width can cost more than a run of its own.
    RUN_COST_TOKENS = 18

    @classmethod
    def from_file(cls, path: Path, model_dir: Path) -> OnnxEmbedder:
        """An embedder over a given ONNX file (the export's own check uses it before publishing)."""
        embedder = cls(quantized=Path(path).name == INT8_FILE)
        embedder._file, embedder._model_dir = Path(path), Path(model_dir)
        return embedder

    @property
    def cache_dir(self) -> Path:
        if self._cache_dir is None:
            self._cache_dir = default_cache_dir()
        return self._cache_dir

    @property
    def vector_cache(self) -> Path:
        """Where embeddings.embed_fixed keeps the vectors of fixed text lists (beside the export they came from)."""
        return self.cache_dir / "fixed-vectors"

    def _imports(self) -> tuple[Any, Any]:  # (onnxruntime, tokenizers.Tokenizer), imported on first use
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingDependency("the ONNX backend needs onnxruntime and tokenizers: pip install onnxruntime tokenizers") from exc
        return ort, Tokenizer

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    _, Tokenizer = self._imports()
                    model_dir = self._model_dir or bundled_model_dir()
                    # The model's own tokenizer, set up as sentence-transformers sets it up: truncation at
                    # max_seq_length (tokenizer.json itself says 128); padding is done here, per batch.
                    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
                    config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
                    tokenizer.enable_truncation(max_length=int(config.get("max_seq_length", 256)))
                    self._pad_id = int((tokenizer.padding or {}).get("pad_id", 0))
                    tokenizer.no_padding()
                    self._tokenizer = tokenizer
        return self._tokenizer

    def _session(self, threads: int) -> Any:
        """The session whose operators use `threads` threads (0: one per core); opened once."""
        session = self._sessions.get(threads)
        if session is None:
            with self._lock:
                session = self._sessions.get(threads)
                if session is None:
                    ort, _ = self._imports()
                    path = self._file or ensure_exported(self.cache_dir) / (INT8_FILE if self.quantized else FP32_FILE)
                    options = ort.SessionOptions()
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    options.intra_op_num_threads = threads
                    options.inter_op_num_threads = 1
                    options.log_severity_level = 3  # errors only
                    if threads != 1:
                        # By default a session's worker threads spin while idle, so after a run they hold the cores
                        # that the rest of ask() (triage's classifier, the Chroma query, BM25) then runs on. With
                        # spinning off (they block instead, within a run too) a warm ask() took 0.7 ms less (p50 15.1
                        # -> 14.4 ms over the core questions) while the encoder run took no longer (docs/bench.md). A
                        # single-threaded session (ingest's workers) has no worker threads to spin.
                        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                    self._sessions[threads] = session
        return session

    def _tokenize(self, texts: Sequence[str]) -> list:
        return self.tokenizer.encode_batch(list(texts))

    def _run(self, encodings: list, session: Any, peaks: bool = False) -> np.ndarray:
        """Embed tokenised texts as one batch, padded to its longest; with `peaks`, each row is followed by the
        token-wise maximum of the hidden states (see embeddings.embed_with_peaks)."""
        import numpy as np

        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        names = {i.name for i in session.get_inputs()}
        hidden = session.run(None, {k: v for k, v in feed.items() if k in names})[0]
        # Mean pooling and normalisation exactly as sentence-transformers' Pooling and Normalize modules do them.
        weights = mask[:, :, None].astype(hidden.dtype)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32, copy=False)
        if not peaks:
            return vectors
        peak = np.where(mask[:, :, None] > 0, hidden, -np.inf).max(axis=1)
        return np.hstack([vectors, peak.astype(np.float32, copy=False)])

    def embed_documents(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        stream = self.embed_chunks([texts], batch_size=batch_size)
        try:
            return next(stream)
        finally:
            stream.close()

    def embed_chunks(self, chunks: Iterable[Sequence[str]], batch_size: int = 64) -> Generator[np.ndarray, None, None]:
        """The vectors of each chunk of texts, chunk by chunk, each in the caller's order.

        Batches run one per core on a single-threaded session. The next chunk's batches are queued before
        this chunk's vectors are handed back, so the cores go on encoding while the caller stores them, and
        no core waits for another at a chunk's end (measured: those waits and the store writes were 1.1 s of
        a 12 s ingest of 1,000 passages). At most two chunks are in flight."""
        from collections import deque
        from concurrent.futures import Future, ThreadPoolExecutor

        rows = max(min(batch_size, self.RUN_ROWS), 1)
        workers = usable_cores()
        pool: ThreadPoolExecutor | None = None
        queued: deque[tuple[int, list[tuple[list[int], Future]]]] = deque()
        try:
            for texts in chunks:
                encodings = self._tokenize(list(texts))
                batches = self._batches(encodings, rows)
                if workers < 2 or (len(batches) < 2 and not queued):
                    # One batch (a question with its context windows): every core on its operators instead.
                    yield self._collect(len(encodings), self._run_in_turn(encodings, batches))
                    continue
                pool = pool or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ldn-embed")
                session = self._session(1)
                queued.append((len(encodings), [(batch, pool.submit(self._run, [encodings[i] for i in batch], session)) for batch in batches]))
                if len(queued) > 1:
                    yield self._collect(*queued.popleft())
            while queued:
                yield self._collect(*queued.popleft())
        finally:
            if pool is not None:
                # A caller that stops early (an error while storing) leaves no encoding running behind it.
                pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _batches(encodings: list, rows: int) -> list[list[int]]:
        """Positions in batches of like token count, which pad least."""
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        return [order[i : i + rows] for i in range(0, len(order), rows)]

    def _run_in_turn(self, encodings: list, batches: list[list[int]], peaks: bool = False) -> list[tuple[list[int], np.ndarray]]:
        """Each batch's vectors from the session that uses every core, the batch cut into the runs that cost least."""
        session = self._session(omp_threads())
        done: list[tuple[list[int], np.ndarray]] = []
        for batch in batches:
            for run in cheapest_runs([len(encodings[i].ids) for i in batch], self.RUN_COST_TOKENS):
                positions = [batch[k] for k in run]
                done.append((positions, self._run([encodings[i] for i in positions], session, peaks)))
        return done

    def _collect(self, count: int, done: list[tuple[list[int], Any]], width: int | None = None) -> np.ndarray:
        """One chunk's vectors back in order, from its batches' vectors (or futures of them)."""
        from concurrent.futures import Future

        import numpy as np

        out = np.empty((count, width or self.dimension), dtype=np.float32)
        for batch, vectors in done:
            out[batch] = vectors.result() if isinstance(vectors, Future) else vectors
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._run(self._tokenize([text]), self._session(omp_threads()))[0]

    def embed_with_peaks(self, texts: Sequence[str]) -> np.ndarray:
        """A question and the sentences triage reads: every core on each run, as embed_query. (The exemplar bank also
        comes through here, once: its rows are then kept on disk by embeddings.embed_fixed.)"""
        encodings = self._tokenize(list(texts))
        done = self._run_in_turn(encodings, self._batches(encodings, self.RUN_ROWS), peaks=True)
        return self._collect(len(encodings), done, 2 * self.dimension)

    @property
    def dimension(self) -> int:
        session = next(iter(self._sessions.values()), None) or self._session(omp_threads())
        return int(session.get_outputs()[0].shape[-1])


def cheapest_runs(lengths: Sequence[int], run_cost: int) -> list[list[int]]:
    """Cut texts of ascending token `lengths` into consecutive runs, each padded to its longest text, so that the
    padded tokens plus `run_cost` per run are fewest. Triage embeds a long message with its sentences, each far
    shorter than the message: in one batch each is padded to the message's width (with RUN_COST_TOKENS, cutting
    saves 18% of the padded tokens of the triage dev messages that have sentences to read, 5% of the core suite's).
    Which run a text lands in changes only the work done for it; its vector moves by float rounding at most
    (within 1e-5, tested), and no answer, score or triage signal of the suites changed."""
    n = len(lengths)
    cost = [0] * (n + 1)  # cost[j]: the cheapest way to run the first j texts
    start = [0] * (n + 1)  # start[j]: where the last of those runs begins
    for j in range(1, n + 1):
        cost[j], start[j] = min((cost[i] + run_cost + (j - i) * lengths[j - 1], i) for i in range(j))
    runs: list[list[int]] = []
    while n:
        runs.insert(0, list(range(start[n], n)))
        n = start[n]
    return runs
