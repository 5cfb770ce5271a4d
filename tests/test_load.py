"""32 concurrent users on the chat server's `/ask` endpoint: no errors, every answer with its disclaimers.

Latency is printed (run pytest with -s to see it), never asserted; docs/security.md has the figures.
"""

from __future__ import annotations

import pytest
from load_ask import QUESTIONS, run_load, start_server

from ldn_assistant import DISCLAIMERS
from ldn_assistant.types import STATUSES

USERS = 32


@pytest.fixture(scope="module")
def server(assistant):
    demo, url = start_server(assistant)
    try:
        yield url
    finally:
        demo.close()


@pytest.mark.slow
@pytest.mark.server
def test_analytics_are_off_in_the_app(assistant):
    import os

    from ldn_assistant.ui.app import build_app

    demo = build_app(assistant)
    assert demo.analytics_enabled is False
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


@pytest.mark.slow
@pytest.mark.server
def test_32_concurrent_users_get_answers_without_errors(server, assistant):
    result = run_load(server, users=USERS, rounds=2)
    print("\n" + result.summary())
    assert result.errors == []
    assert len(result.answers) == USERS * 2
    for answer in result.answers:
        assert answer["status"] in STATUSES and answer["status"] != "error"
        assert tuple(answer["disclaimers"]) == tuple(DISCLAIMERS)
        assert all(d in answer["markdown"] for d in DISCLAIMERS)
        for p in answer["passages"]:
            assert assistant.get_source(p["source_id"]).text[p["start"] : p["end"]] == p["text"]
    # The same question gets the same answer under load as alone.
    alone = {q: assistant.ask(q).to_dict() for q in QUESTIONS}
    for answer in result.answers:
        expected = alone[answer["question"]]
        assert answer["status"] == expected["status"]
        assert [(p["source_id"], p["start"], p["end"]) for p in answer["passages"]] == [(p["source_id"], p["start"], p["end"]) for p in expected["passages"]]
