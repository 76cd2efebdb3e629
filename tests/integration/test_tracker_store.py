"""The recent-turns tracker store answers and stores exactly as Rasa's SQL store does.

The conversation tests' user messages (tests/test_*.yml) are played through one model, with
the real action server, once with Rasa's ``SQLTrackerStore`` and once with
``bot.tracker_store.RecentTurnsTrackerStore``: each story as its own conversation, and all
of them as one long conversation (so the window moves many times). The bot's replies and
every stored row (minus timestamps and random message ids) must be the same.
"""

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.core.tracker_store import create_tracker_store
from rasa.utils.endpoints import EndpointConfig

from bot.launcher import ROOT, action_command
from bot.tools.servers import Server, free_port
from bot.tracker_store import RecentTurnsTrackerStore

MODEL = ROOT / "models" / "assistant.tar.gz"
# Times, and ids drawn at random (message ids, a content answer's answer_id).
RANDOM_KEYS = {"timestamp", "message_id", "answer_id"}
STORES = {"rasa": "SQL", "recent": "bot.tracker_store.RecentTurnsTrackerStore"}


def _stories() -> dict[str, list[str]]:
    stories = {}
    for path in sorted(ROOT.glob("tests/test_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            texts = [step["user"].strip() for step in story["steps"] if "user" in step]
            stories[f"{path.stem}: {story['story']}"] = texts
    return stories


@pytest.fixture(scope="module")
def action_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    port = free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    server = Server(action_command(port), f"http://127.0.0.1:{port}/health", log)
    server.start(120)
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def played(action_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """For each store: the replies per conversation, and the database file."""
    agent = Agent.load(
        str(MODEL),
        generator=EndpointConfig(type="bot.fault_nlg.FaultTolerantNLG"),
        action_endpoint=EndpointConfig(url=f"{action_url}/webhook"),
    )
    stories = _stories()
    conversations = {f"story-{i}": texts for i, texts in enumerate(stories.values())}
    conversations["everything"] = [text for texts in stories.values() for text in texts]
    results = {}
    for label, store_type in STORES.items():
        db = tmp_path_factory.mktemp(label) / "tracker.db"
        store = create_tracker_store(
            EndpointConfig(type=store_type, dialect="sqlite", db=str(db)), agent.domain
        )
        agent.tracker_store = agent.processor.tracker_store = store
        replies = {
            sender: [asyncio.run(agent.handle_text(text, sender_id=sender)) for text in texts]
            for sender, texts in conversations.items()
        }
        results[label] = {"replies": replies, "db": db, "store": store}
    return results


def _rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id"
        ).fetchall()
    stable = []
    for sender, type_name, intent, action, data in rows:
        event = _without_random(json.loads(data))
        stable.append((sender, type_name, intent, action, json.dumps(event, sort_keys=True)))
    return stable


def _without_random(value: object) -> object:
    """The event without the values that differ between any two runs."""
    if isinstance(value, dict):
        return {k: _without_random(v) for k, v in value.items() if k not in RANDOM_KEYS}
    if isinstance(value, list):
        return [_without_random(item) for item in value]
    return value


def test_the_same_replies(played: dict[str, dict]) -> None:
    rasa, recent = played["rasa"]["replies"], played["recent"]["replies"]
    assert rasa.keys() == recent.keys()
    for sender in rasa:
        assert recent[sender] == rasa[sender], sender
    # a real play (the action server up): nearly every turn has a reply (valid feedback has none)
    turns = [turn for conversation in rasa.values() for turn in conversation]
    assert sum(bool(turn) for turn in turns) >= 0.9 * len(turns)


def test_the_same_stored_events(played: dict[str, dict]) -> None:
    rasa, recent = _rows(played["rasa"]["db"]), _rows(played["recent"]["db"])
    assert len(rasa) > 300
    assert recent == rasa


def test_the_long_conversation_is_read_from_its_recent_turns(played: dict[str, dict]) -> None:
    store: RecentTurnsTrackerStore = played["recent"]["store"]
    assert isinstance(store, RecentTurnsTrackerStore)
    full = asyncio.run(store.retrieve_full_tracker("everything"))
    recent = asyncio.run(store.retrieve("everything"))
    users = [e for e in recent.events if e.type_name == "user"]
    assert store.recent_turns <= len(users) <= 2 * store.recent_turns
    assert len(recent.events) < len(full.events) / 3
    assert recent.current_slot_values() == full.current_slot_values()
