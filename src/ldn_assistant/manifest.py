"""The index manifest: what an index was built with, written atomically; and the ingest lock."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FORMAT = 1
MANIFEST = "manifest.json"
LOCK = ".ingest.lock"


class IndexMismatchError(RuntimeError):
    """The index on disk was built with other settings than the ones in force."""


class IndexMissingError(FileNotFoundError):
    """No index has been built in the index folder yet."""


class IngestLockedError(RuntimeError):
    """Another ingest holds the lock on this index."""


def fingerprint_id(fingerprint: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:12]


def write_json_atomic(path: Path, data: Any) -> None:
    """Write, flush to disk, then rename over the old file: a reader sees the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        raise IndexMissingError(f"no index in {index_dir}: run `ldn-assistant ingest` to build it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IndexMismatchError(f"the manifest in {index_dir} is unreadable ({exc}); run `ldn-assistant ingest`") from exc
    if data.get("format") != FORMAT:
        raise IndexMismatchError(f"the index in {index_dir} has format {data.get('format')!r}, this version reads {FORMAT}; run `ldn-assistant ingest`")
    return data


def check_fingerprint(manifest: dict[str, Any], expected: dict[str, Any], index_dir: Path) -> None:
    built = manifest.get("fingerprint", {})
    if built == expected:
        return
    changed = [
        f"{key}: index has {built.get(key)!r}, settings ask for {expected.get(key)!r}"
        for key in sorted(set(built) | set(expected))
        if built.get(key) != expected.get(key)
    ]
    backend = manifest.get("embedding_backend")
    built_by = f" (its vectors came from the {backend!r} embedding backend)" if backend else ""
    raise IndexMismatchError(
        f"the index in {index_dir} was built with other settings{built_by}: {'; '.join(changed)}. "
        "Run `ldn-assistant ingest` to rebuild it with the current settings."
    )


@contextlib.contextmanager
def ingest_lock(index_dir: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """One ingest at a time per index folder; the OS drops the lock if the holder dies.

    filelock takes an OS lock (flock on POSIX, msvcrt on Windows), so this module imports on any OS.
    """
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(
        index_dir / LOCK,
        timeout=max(wait_seconds, 0.0),
        poll_interval=0.2,
        # A soft lock (a marker file) outlives a killed holder and would block every later ingest.
        fallback_to_soft=False,
        # Kept on release, as before: unlinking a lock file others may be opening invites races.
        preserve_lock_file=True,
    )
    try:
        lock.acquire()
    except Timeout:
        raise IngestLockedError(f"another ingest is running on {index_dir}; wait for it to finish and try again") from None
    try:
        yield
    finally:
        lock.release()
