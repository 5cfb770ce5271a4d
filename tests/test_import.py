"""Importing the package stays light: the heavy libraries load only when an Assistant is used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["torch", "chromadb", "gradio", "sentence_transformers", "langchain", "langchain_core", "transformers", "onnxruntime", "tokenizers", "sklearn"]

PROBE = """
import json, sys
import ldn_assistant
from ldn_assistant import Settings, Answer, DISCLAIMERS, QuestionError
Settings()
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy})))
"""


def run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_leaves_heavy_libraries_unloaded():
    loaded = run(PROBE.format(heavy=set(HEAVY)))
    assert loaded == [], f"importing ldn_assistant loaded {loaded}"


def test_the_probe_does_see_a_heavy_import():
    """Guard against a probe that cannot fail: importing the embedder's library is seen."""
    code = PROBE.replace("Settings()", "import chromadb").format(heavy=set(HEAVY))
    assert "chromadb" in run(code)


def test_manifest_and_index_import_where_fcntl_does_not_exist():
    """As on Windows: the ingest lock and the ONNX export lock come from filelock, so no module needs fcntl to import."""
    code = (
        "import json, sys\n"
        "sys.modules['fcntl'] = None  # importing it now raises ImportError, as on an OS without it\n"
        "import ldn_assistant.manifest, ldn_assistant.index, ldn_assistant.embeddings_onnx, ldn_assistant.onnx_export\n"
        "print(json.dumps(['fcntl'] if 'fcntl' in sys.modules and sys.modules['fcntl'] is not None else []))\n"
    )
    assert run(code) == []
