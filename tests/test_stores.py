"""The stores and the NLU queue, without a model: what they keep, read and in which order.

Timing is the benchmark's job (``make bench``); these check behaviour only.
"""

import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.channels.parse_off_loop import FairParser
from bot.memory_lock_store import PromptInMemoryLockStore
from bot.tracker_store import RecentTurnsTrackerStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _turn(i: int) -> list:
    """One user turn as the processor logs it: the message, a slot, the answer, listening."""
    return [
        UserUttered(f"question {i}", {"name": "greet", "confidence": 1.0}),
        SlotSet("last_topic", f"topic-{i}"),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
    ]


async def _converse(store, sender: str, turns: int) -> None:
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update_with_events(
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        None,
    )
    await store.save(tracker)
    for i in range(turns):
        tracker = await store.retrieve(sender)
        tracker.update_with_events(_turn(i), None)
        await store.save(tracker)


def _rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, intent_name, action_name FROM events ORDER BY id"
        ).fetchall()


def test_recent_turns_store_keeps_what_rasas_store_keeps(tmp_path: Path, domain: Domain) -> None:
    rasa = SQLTrackerStore(domain, db=str(tmp_path / "rasa.db"))
    recent = RecentTurnsTrackerStore(domain, db=str(tmp_path / "recent.db"), recent_turns=3)
    for store in (rasa, recent):
        asyncio.run(_converse(store, "someone", 20))
    assert _rows(tmp_path / "recent.db") == _rows(tmp_path / "rasa.db")

    read = asyncio.run(recent.retrieve("someone"))
    full = asyncio.run(rasa.retrieve("someone"))
    users = [e for e in read.events if isinstance(e, UserUttered)]
    assert 3 <= len(users) <= 6 < 20
    assert users[-1].text == "question 19"
    assert read.current_slot_values() == full.current_slot_values()
    assert read.get_slot("last_topic") == "topic-19"


def test_a_new_session_is_read_as_rasa_reads_it(tmp_path: Path, domain: Domain) -> None:
    recent = RecentTurnsTrackerStore(domain, db=str(tmp_path / "recent.db"), recent_turns=2)
    asyncio.run(_converse(recent, "someone", 10))
    asyncio.run(_converse(recent, "someone", 1))  # a second session: its own start, one turn
    read = asyncio.run(recent.retrieve("someone"))
    assert [e.text for e in read.events if isinstance(e, UserUttered)] == ["question 0"]
    assert not any(isinstance(e, SlotSet) and e.value == "topic-9" for e in read.events)


def test_reads_do_not_scan_a_senders_earlier_rows(tmp_path: Path, domain: Domain) -> None:
    """Every query of a read uses one of the store's (sender, ...) indexes: no full scan and
    no walk of all of a sender's rows through the sender-only index."""
    db = tmp_path / "recent.db"
    store = RecentTurnsTrackerStore(domain, db=str(db), recent_turns=2)
    asyncio.run(_converse(store, "old", 12))
    statements: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT") and "events" in statement:
            statements.append((statement, tuple(parameters)))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    asyncio.run(store.retrieve("old"))
    sa.event.remove(store.engine, "before_cursor_execute", capture)
    assert statements
    with sqlite3.connect(db) as connection:
        for statement, parameters in statements:
            plan = " ".join(
                row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            if "FROM events" not in statement:
                continue
            assert "SCAN events" not in plan, plan
            assert "ix_events_sender_id " not in plan + " ", plan


def test_the_lock_goes_to_the_next_message_in_order_at_once() -> None:
    store = PromptInMemoryLockStore()
    order: list[int] = []

    async def message(number: int) -> None:
        # Rasa's store would check again only after wait_time_in_seconds
        async with store.lock("someone", wait_time_in_seconds=30):
            order.append(number)
            await asyncio.sleep(0.01)

    async def burst() -> None:
        await asyncio.wait_for(asyncio.gather(*(message(n) for n in range(5))), 10)

    asyncio.run(burst())
    assert order == [0, 1, 2, 3, 4]
    assert store.conversation_locks == {}


def test_the_in_memory_lock_store_refuses_several_workers(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(LockError):
        PromptInMemoryLockStore()


class _RecordingProcessor:
    def __init__(self) -> None:
        self.parsed: list[str] = []

    def _parse_message_with_graph(self, message, tracker) -> dict:  # noqa: ANN001
        self.parsed.append(message.text)
        return {"text": message.text, "intent": {"name": "greet"}, "entities": []}

    def _update_full_retrieval_intent(self, parse_data: dict) -> None:
        parse_data["updated"] = True


def test_waiting_messages_are_parsed_conversation_by_conversation_in_order() -> None:
    from rasa.core.channels.channel import UserMessage

    processor, parser = _RecordingProcessor(), FairParser()
    messages = [("a", "a1"), ("a", "a2"), ("a", "a3"), ("b", "b1"), ("a", "a4"), ("b", "b2")]

    async def all_at_once() -> list[dict]:
        return await asyncio.gather(
            *(parser.parse(processor, UserMessage(text, sender_id=s)) for s, text in messages)
        )

    results = asyncio.run(all_at_once())
    assert [r["text"] for r in results] == [text for _, text in messages]
    assert all(r["updated"] for r in results)
    assert processor.parsed == ["a1", "b1", "a2", "b2", "a3", "a4"]
