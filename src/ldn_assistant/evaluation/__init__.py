"""Quality evaluation: golden suites, the systems compared, metrics, reports and plots.

`ldn-assistant eval` is the command; `run_eval` is the same thing as a function. Nothing here is
imported by the assistant itself, and heavy packages (langchain, chromadb, matplotlib) load only
when a run needs them.
"""

from __future__ import annotations

from .metrics import SystemMetrics, summarize
from .suites import Case, Suite, SuiteError, discover_suites, load_suite
from .thresholds import Threshold, ThresholdMiss, check_thresholds, parse_threshold

__all__ = [
    "Case",
    "Suite",
    "SuiteError",
    "SystemMetrics",
    "Threshold",
    "ThresholdMiss",
    "check_thresholds",
    "discover_suites",
    "load_suite",
    "parse_threshold",
    "summarize",
]
