"""Cold start: `ldn-assistant ask` in a fresh process against a fresh process that only loads the model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..embeddings import resolve_model_path
from ..settings import Settings
from .bench_stats import Spread, rotated, timed

COLD_QUESTION = "What dose of LDN is used for fibromyalgia?"

# The floor: importing sentence-transformers and loading the model, which any answer needs.
_FLOOR_SCRIPT = (
    "import os; os.environ.setdefault('HF_HUB_OFFLINE', '1')\n"
    "from sentence_transformers import SentenceTransformer\n"
    "SentenceTransformer({path!r}, device='cpu')\n"
)


@dataclass(frozen=True)
class ColdResult:
    runs: int
    cli_ask_s: Spread
    floor_s: Spread
    samples: dict[str, list[float]]  # "cli" and "floor", run by run


def console_script() -> str:
    """The installed `ldn-assistant` next to this interpreter (the project's .venv/bin), else the one on PATH."""
    beside = Path(sys.executable).parent / "ldn-assistant"
    if beside.exists():
        return str(beside)
    found = shutil.which("ldn-assistant")
    if found is None:
        raise FileNotFoundError("the ldn-assistant console script is not installed (pip install -e .)")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} exited with {done.returncode}: {done.stderr[-2000:]}")


def measure_cold_start(settings: Settings, runs: int, step: Callable[[], None] = lambda: None) -> ColdResult:
    """`runs` of each, alternating which goes first; the index in settings must already be built."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "LDN_CORPUS_DIR": str(settings.corpus_dir),
        "LDN_INDEX_DIR": str(settings.index_dir),
        "LDN_EMBEDDING_MODEL": settings.embedding_model,
    }
    commands = {
        "cli": [console_script(), "ask", COLD_QUESTION],
        "floor": [sys.executable, "-c", _FLOOR_SCRIPT.format(path=resolve_model_path(settings.embedding_model))],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(runs):
        for name in rotated(list(commands), run):
            times[name].append(timed(lambda: _run(commands[name], env)))  # noqa: B023 (timed() calls it at once, in this iteration)
            step()
    return ColdResult(runs, Spread.of(times["cli"]), Spread.of(times["floor"]), times)
