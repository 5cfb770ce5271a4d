"""Cold start: `ldn-assistant ask` in a fresh process, per embedding backend, against fresh processes that only
import sentence-transformers, or import it and load the model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..embeddings import resolve_model_path
from ..settings import Settings
from .bench_stats import Spread, rotated, timed

COLD_QUESTION = "What dose of LDN is used for fibromyalgia?"

# The yardstick: importing sentence-transformers (and so torch), nothing else.
_IMPORT_ST_SCRIPT = "import sentence_transformers\n"

# The floor of the torch backend: importing sentence-transformers and loading the model, which its answers need.
_FLOOR_SCRIPT = (
    "import os; os.environ.setdefault('HF_HUB_OFFLINE', '1')\n"
    "from sentence_transformers import SentenceTransformer\n"
    "SentenceTransformer({path!r}, device='cpu')\n"
)


@dataclass(frozen=True)
class ColdResult:
    runs: int
    cli_ask_s: Spread  # on the backend of the settings given
    floor_s: Spread
    samples: dict[str, list[float]]  # "cli", "floor", "import_st" and "cli:BACKEND", run by run
    import_st_s: Spread | None = None
    backends: dict[str, Spread] = field(default_factory=dict)  # `ldn-assistant ask` per other backend


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


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "LDN_CORPUS_DIR": str(settings.corpus_dir),
        "LDN_INDEX_DIR": str(settings.index_dir),
        "LDN_EMBEDDING_MODEL": settings.embedding_model,
        "LDN_EMBEDDING_BACKEND": settings.embedding_backend,
    }


def measure_cold_start(settings: Settings, runs: int, step: Callable[[], None] = lambda: None, others: dict[str, Settings] | None = None) -> ColdResult:
    """`runs` of each, alternating which goes first; the index in settings must already be built.

    `others` maps another embedding backend to settings over an index it can open: its `ldn-assistant ask`
    takes turns with the rest."""
    env = _env(settings)
    commands = {
        "cli": ([console_script(), "ask", COLD_QUESTION], env),
        "floor": ([sys.executable, "-c", _FLOOR_SCRIPT.format(path=resolve_model_path(settings.embedding_model))], env),
        "import_st": ([sys.executable, "-c", _IMPORT_ST_SCRIPT], env),
    }
    for name, other in (others or {}).items():
        commands[f"cli:{name}"] = ([console_script(), "ask", COLD_QUESTION], _env(other))
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(runs):
        for name in rotated(list(commands), run):
            command, command_env = commands[name]
            times[name].append(timed(lambda: _run(command, command_env)))  # noqa: B023 (timed() calls it at once, in this iteration)
            step()
    return ColdResult(
        runs,
        Spread.of(times["cli"]),
        Spread.of(times["floor"]),
        times,
        Spread.of(times["import_st"]),
        {name: Spread.of(times[f"cli:{name}"]) for name in others or {}},
    )
