"""How many threads the package's own parallel work uses: ingest's encoder workers, triage's training, and (at least
retrieval.MIN_DENSE_WORKERS) the workers of ask()'s early dense search."""

from __future__ import annotations

import os


def omp_threads() -> int:
    """OMP_NUM_THREADS as a number; 0 when it is unset or not a number (then each library uses every core).

    PyTorch honours the variable and ONNX Runtime does not, so the ONNX backend reads it here."""
    try:
        return max(int(os.environ.get("OMP_NUM_THREADS", "0")), 0)
    except ValueError:
        return 0


def usable_cores() -> int:
    """OMP_NUM_THREADS when set, else the cores this process may run on (its CPU affinity where the OS has one)."""
    return omp_threads() or _affinity()


def _affinity() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1
