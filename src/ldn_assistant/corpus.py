"""Find the documents in the corpus folder and load each with its metadata.

Metadata for `NAME.EXT` lives beside it in `NAME.EXT.meta.json` (title, publisher, author, date,
kind, url). A file without one is still indexed, and the scan names it so ingest can list it. A
document whose metadata gives no title takes the title it gives itself (titles.py): its HTML
<title>, its PDF title metadata or its first heading line; only failing those, its file name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from .loaders import LoadError, load_file, supported
from .titles import document_title
from .types import FileProblem, ProblemKind, Source, SourceMetadata, content_hash

META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class CorpusScan:
    sources: tuple[Source, ...]
    problems: tuple[FileProblem, ...]
    without_metadata: tuple[str, ...] = ()  # documents indexed with no NAME.EXT.meta.json beside them


def metadata_path(path: Path) -> Path:
    return path.with_name(path.name + META_SUFFIX)


def read_metadata(path: Path) -> SourceMetadata:
    meta_file = metadata_path(path)
    if not meta_file.exists():
        return SourceMetadata()
    try:
        data = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LoadError(f"its metadata file {meta_file.name} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise LoadError(f"its metadata file {meta_file.name} must hold a JSON object")
    try:
        return SourceMetadata.from_dict(data)
    except ValueError as exc:
        raise LoadError(f"its metadata file {meta_file.name}: {exc}") from exc


def candidate_files(corpus_dir: Path) -> list[Path]:
    """Every document file below the folder, in a stable order; metadata and hidden files excluded."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist (set LDN_CORPUS_DIR)")
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts) or path.name.endswith(META_SUFFIX):
            continue
        if path.is_file() and path.name.lower() not in {"readme.md", "sources.md"}:
            files.append(path)
    return files


def load_source(path: Path, corpus_dir: Path, max_bytes: int) -> Source:
    text = load_file(path, max_bytes)
    metadata = read_metadata(path)
    if not metadata.title:
        # The loader has read the file once already; reading it again only for a title is cheap
        # next to embedding, and keeps loaders to one job (bytes in, visible text out).
        metadata = replace(metadata, title=document_title(path, path.read_bytes(), text))
    return Source(
        source_id=path.relative_to(corpus_dir).as_posix(),
        path=str(path),
        text=text,
        metadata=metadata,
        content_hash=content_hash(text),
    )


def scan_corpus(corpus_dir: Path, max_bytes: int) -> CorpusScan:
    """Load every document; a file that fails is reported with its reason and the rest go on."""
    sources: list[Source] = []
    problems: list[FileProblem] = []
    seen_hashes: dict[str, str] = {}
    without_metadata: list[str] = []
    for path in candidate_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        if not supported(path):
            problems.append(FileProblem(rel, f"unsupported file type {path.suffix or '(none)'}", ProblemKind.UNSUPPORTED))
            continue
        try:
            source = load_source(path, corpus_dir, max_bytes)
        except LoadError as exc:
            problems.append(FileProblem(rel, str(exc), ProblemKind.UNREADABLE))
            continue
        except OSError as exc:
            problems.append(FileProblem(rel, f"could not be read ({exc.strerror or exc})", ProblemKind.UNREADABLE))
            continue
        # The same text twice would be cited twice for one passage; keep the first copy.
        if source.content_hash in seen_hashes:
            problems.append(FileProblem(rel, f"is an exact duplicate of {seen_hashes[source.content_hash]}", ProblemKind.DUPLICATE))
            continue
        seen_hashes[source.content_hash] = rel
        sources.append(source)
        if not metadata_path(path).exists():
            without_metadata.append(rel)
    return CorpusScan(tuple(sources), tuple(problems), tuple(without_metadata))
