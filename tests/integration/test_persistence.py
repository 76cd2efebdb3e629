"""Stopping and restarting the assistant mid-conversation loses nothing (embedded default:
SQLite tracker store). Real servers, restarted on the same tracker file."""

import uuid
from pathlib import Path

import pytest

from bot.tools.servers import free_port
from tests.servers import (
    MODEL,
    STEPS,
    action_server,
    rasa_server,
    say,
    sqlite_endpoints,
    tracker,
    user_texts,
)

pytestmark = pytest.mark.integration


def test_a_restart_mid_conversation_keeps_the_tour_step_and_the_last_topic(
    tmp_path: Path,
) -> None:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    rasa_port, action_port = free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    tracker_db = tmp_path / "tracker.db"
    endpoints.write_text(sqlite_endpoints(action_port, tracker_db))
    base = f"http://127.0.0.1:{rasa_port}"
    actions = action_server(tmp_path, action_port)
    rasa = rasa_server(tmp_path, rasa_port, endpoints)
    touring, asking = f"restart-tour-{uuid.uuid4().hex}", f"restart-topic-{uuid.uuid4().hex}"
    try:
        actions.start(60)
        rasa.start()
        assert f"Step 1 of {STEPS}" in say(base, touring, "/tour_start").text
        assert f"Step 2 of {STEPS}" in say(base, touring, "next").text
        assert "Value 2: Efficiency" in say(base, asking, "what's the second value?").text
        before = {who: tracker(base, who) for who in (touring, asking)}
        assert before[touring]["slots"]["tour_step"]
        assert before[asking]["slots"]["last_topic"] == "value_efficiency"

        rasa.stop()
        actions.stop()
        assert tracker_db.stat().st_size > 0
        actions.start(60)
        rasa.start()

        after = {who: tracker(base, who) for who in (touring, asking)}
        for who in (touring, asking):
            assert after[who]["slots"] == before[who]["slots"]
            assert after[who]["events"] == before[who]["events"]
        assert f"Step 2 of {STEPS}" in say(base, touring, "continue the tour").text
        assert f"Step 3 of {STEPS}" in say(base, touring, "next").text
        assert "Hameed's story" in say(base, asking, "tell me more about that").text
        assert user_texts(tracker(base, asking)["events"]) == [
            "what's the second value?",
            "tell me more about that",
        ]
    except RuntimeError as error:  # a server did not start: show its log
        pytest.fail(str(error))
    finally:
        rasa.stop()
        actions.stop()
