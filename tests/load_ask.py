"""Load on the chat server's `/ask` endpoint: N concurrent users, each with its own gradio client.

Run it on its own to measure (`python tests/load_ask.py --users 32 --rounds 3`): it opens the index in
LDN_INDEX_DIR (building it from LDN_CORPUS_DIR if missing), starts the chat app on a free loopback
port, and prints p50/p95 latency and the error count. tests/test_load.py uses the same functions to
assert there are no errors; speed is only reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUESTIONS = (
    "What dose of LDN is used for chronic pain?",
    "How does low dose naltrexone work for pain?",
    "Can I take LDN with tramadol?",
    "Does LDN help fibromyalgia?",
    "Is low dose naltrexone FDA approved for chronic pain?",
    "What are the side effects of LDN?",
    "What is the capital of France?",
    "my husband took naltrexone and is not breathing",
)


@dataclass
class LoadResult:
    """Every request's latency (seconds), the answers, and what went wrong."""

    users: int
    latencies: list[float] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    def summary(self) -> str:
        return (
            f"{self.users} concurrent users, {len(self.latencies)} requests, {len(self.errors)} errors; "
            f"p50 {self.percentile(50):.2f} s, p95 {self.percentile(95):.2f} s, "
            f"mean {statistics.fmean(self.latencies) if self.latencies else float('nan'):.2f} s, "
            f"wall {self.wall_seconds:.1f} s ({len(self.latencies) / self.wall_seconds if self.wall_seconds else 0:.1f} req/s)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(assistant, port: int | None = None):
    """Build the chat app over a warm Assistant and launch it on loopback without blocking; returns (demo, url)."""
    from ldn_assistant.ui.app import build_app, launch_kwargs

    demo = build_app(assistant)
    kwargs = launch_kwargs("127.0.0.1", port or free_port())
    demo.launch(prevent_thread_lock=True, quiet=True, **kwargs)
    return demo, demo.local_url or f"http://127.0.0.1:{kwargs['server_port']}/"


def run_load(url: str, users: int = 32, rounds: int = 2, questions: tuple[str, ...] = QUESTIONS) -> LoadResult:
    """Each user connects its own client, waits for the others, then asks `rounds` questions in turn."""
    from gradio_client import Client

    result = LoadResult(users)
    lock = threading.Lock()
    start = threading.Barrier(users)

    def user(n: int) -> None:
        try:
            client = Client(url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs={"timeout": 600})
        except Exception as exc:  # a client that cannot connect is an error of the run, reported not raised
            with lock:
                result.errors.append(f"user {n} could not connect: {type(exc).__name__}: {exc}")
            start.abort()
            return
        start.wait(timeout=600)
        for r in range(rounds):
            question = questions[(n + r) % len(questions)]
            began = time.perf_counter()
            try:
                answer = client.predict(question, api_name="/ask")
            except Exception as exc:
                with lock:
                    result.errors.append(f"user {n}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - began
            with lock:
                result.latencies.append(elapsed)
                result.answers.append(answer)

    began = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        list(pool.map(user, range(users)))
    result.wall_seconds = time.perf_counter() - began
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from ldn_assistant.assistant import Assistant

    assistant = Assistant.from_settings()
    assistant.warm_up()
    demo, url = start_server(assistant)
    try:
        run_load(url, users=2, rounds=1)  # warm the server's queue and the clients' code paths
        result = run_load(url, users=args.users, rounds=args.rounds)
    finally:
        demo.close()
    print(result.summary())
    for error in result.errors[:10]:
        print("error:", error)


if __name__ == "__main__":
    main()
