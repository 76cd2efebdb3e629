"""A SQL tracker store that reads a conversation's recent turns, not its whole history.

Rasa's ``SQLTrackerStore`` reads every event of the current session on every message and
replays them all; each action then copies the tracker (another replay) and each policy
rebuilds the states of the whole history, so a turn at message 200 cost five times one at
message 2 (README "Speed"). Its queries filter on ``sender_id`` only (the one index), so
they walk all of a sender's rows, earlier sessions included.

``RecentTurnsTrackerStore`` is the same table, with the same rows, written in the same
order. It reads only the events from the ``recent_turns``-th last user message on, after
``SlotSet`` events that restore the slots as they were just before that point (kept in one
row per conversation, table ``tracker_windows``). The policies see what they look at
(``MemoizationPolicy`` 4 states, rules of at most 2 turns, ``ContentPolicy`` the latest
turn), the slots hold their current values, and the replies and stored events are the same
as with Rasa's store (tests/integration/test_tracker_store.py plays the conversation tests
through both; tests/test_stores.py checks the queries use the indexes).

Where a shortened history could differ, the whole session is read as Rasa does: when no
window row matches the current session (a new session, or a conversation from before this
store), and when the session has expired, because ``action_session_start`` then carries over
every ``SlotSet`` of the old session. ``retrieve_full_tracker`` (the HTTP API's
``/conversations/{id}/tracker``) is Rasa's, unchanged.

Three indexes make every query a range scan of one sender's rows from the right place:
``(sender_id, type_name, timestamp)`` finds the latest session start, ``(sender_id,
timestamp)`` a session's events, ``(sender_id, id)`` the recent ones.

Configured in ``endpoints.yml`` with Rasa's SQL settings (SQLite or PostgreSQL)::

    tracker_store:
      type: bot.tracker_store.RecentTurnsTrackerStore
      dialect: "sqlite"
      db: "var/tracker.db"
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import declarative_base

logger = logging.getLogger(__name__)

# Enough for every policy of config.yml: MemoizationPolicy max_history 4 (two turns), rules of
# at most two turns. The window holds between this many and twice as many user turns.
RECENT_TURNS = 5

INDEXES = {
    "ix_events_sender_type_time": "sender_id, type_name, timestamp",
    "ix_events_sender_time": "sender_id, timestamp",
    "ix_events_sender_row": "sender_id, id",
}

# Key of the PostgreSQL advisory lock held while the schema is created (any fixed number
# that no other part of the database uses; this one spells "copro").
SCHEMA_LOCK = 0x636F70726F

WindowBase = declarative_base()


class TrackerWindow(WindowBase):
    """Where a conversation's recent turns start, and the slots set before that point."""

    __tablename__ = "tracker_windows"

    sender_id = sa.Column(sa.String(255), primary_key=True)
    # Timestamp of the session's SessionStarted (None: the conversation has none): a window
    # belongs to one session and is ignored once another has started.
    session_start = sa.Column(sa.Float, nullable=True)
    first_event_id = sa.Column(sa.Integer, nullable=False)
    slots = sa.Column(sa.Text, nullable=False)  # JSON: {slot name: value}


@dataclass
class _Loaded:
    """What this store knows about a tracker it returned (kept on the tracker object)."""

    stored: int  # how many of tracker.events are already stored (or restore the slots)
    ids: list[int | None]  # the row id of each event, None for the restoring SlotSets
    session_start: float | None


LOADED_ATTRIBUTE = "_copro_loaded"


class RecentTurnsTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store that reads only the recent turns (see the module docstring)."""

    def __init__(self, *args: Any, recent_turns: int = RECENT_TURNS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if int(recent_turns) < 2:
            raise ValueError("RecentTurnsTrackerStore: recent_turns must be at least 2")
        self.recent_turns = int(recent_turns)
        self._create_schema()

    def _create_schema(self) -> None:
        """Create ``tracker_windows`` and the indexes, safely when instances start together.

        Two instances starting on a fresh PostgreSQL database both find the table missing and
        both create it; the second fails on PostgreSQL's catalogue (``pg_type`` unique key)
        and the instance does not start. A transaction-scoped advisory lock makes them take
        turns (DDL is transactional there, so the second sees the table). Other databases
        (SQLite: one writer at a time) try again, up to twice, if another process won the race.
        """
        for attempt in range(3):
            try:
                with self.engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        connection.execute(
                            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK}
                        )
                    WindowBase.metadata.create_all(connection)
                    for name, columns in INDEXES.items():
                        connection.execute(
                            sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON events ({columns})")
                        )
                return
            except (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError):
                if attempt == 2:
                    raise
                logger.info("Another instance was creating the tracker tables; checking again")
                time.sleep(0.2)

    # -- reading ------------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session's recent turns, with the slots as they are."""
        with self.session_scope() as session:
            start = self._session_start(session, sender_id)
            window = session.get(TrackerWindow, sender_id)
            if window is not None and window.session_start == start:
                rows = self._rows_from(session, sender_id, window.first_event_id)
                prefix = _restoring_events(json.loads(window.slots), rows)
            else:
                rows, prefix = self._session_rows(session, sender_id, start), []
        if not rows:
            return None
        tracker = self._tracker(sender_id, prefix, rows, start)
        if prefix and self._session_expired(tracker):
            # action_session_start will carry over every SlotSet of this session
            with self.session_scope() as session:
                rows = self._session_rows(session, sender_id, start)
            tracker = self._tracker(sender_id, [], rows, start)
        return tracker

    def _tracker(
        self, sender_id: str, prefix: list[Event], rows: list[Any], start: float | None
    ) -> DialogueStateTracker:
        events = prefix + deserialise_events([json.loads(row.data) for row in rows])
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        ids: list[int | None] = [None] * len(prefix) + [row.id for row in rows]
        setattr(tracker, LOADED_ATTRIBUTE, _Loaded(len(events), ids, start))
        return tracker

    def _session_start(self, session: Any, sender_id: str) -> float | None:
        """The latest SessionStarted's timestamp, as Rasa's own query finds it."""
        return (
            session.query(sa.func.max(self.SQLEvent.timestamp))
            .filter(
                self.SQLEvent.sender_id == sender_id,
                self.SQLEvent.type_name == SessionStarted.type_name,
            )
            .scalar()
        )

    def _session_rows(self, session: Any, sender_id: str, start: float | None) -> list[Any]:
        """The rows Rasa's store reads for the current session (the same filter)."""
        query = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
        if start is not None:
            query = query.filter(self.SQLEvent.timestamp >= start)
        return query.order_by(self.SQLEvent.id).all()

    def _rows_from(self, session: Any, sender_id: str, first_id: int) -> list[Any]:
        return (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id >= first_id)
            .order_by(self.SQLEvent.id)
            .all()
        )

    def _session_expired(self, tracker: DialogueStateTracker) -> bool:
        """The processor's own test (``MessageProcessor._has_session_expired``)."""
        config = self.domain.session_config
        if not config.are_sessions_enabled():
            return False
        last = tracker.get_last_event_for(UserUttered)
        return bool(last) and (time.time() - last.timestamp) / 60 > config.session_expiration_time

    # -- writing ------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends the tracker's new events, then moves the window on if it has grown."""
        loaded: _Loaded | None = getattr(tracker, LOADED_ATTRIBUTE, None)
        if loaded is None:  # a tracker this store did not read: Rasa's way (counts the rows)
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        events = list(tracker.events)
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, event) for event in events[loaded.stored :]]
            session.add_all(rows)
            session.flush()  # assigns the row ids
            ids = loaded.ids + [row.id for row in rows]
            self._move_window(session, tracker.sender_id, events, ids, loaded.session_start)
            session.commit()
        setattr(tracker, LOADED_ATTRIBUTE, _Loaded(len(events), ids, loaded.session_start))

    def _row(self, sender_id: str, event: Event) -> Any:
        """One event as ``SQLTrackerStore.save`` stores it."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def _move_window(
        self,
        session: Any,
        sender_id: str,
        events: list[Event],
        ids: list[int | None],
        start: float | None,
    ) -> None:
        """Starts the window ``recent_turns`` user turns back once it holds twice as many."""
        turns = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
        if len(turns) <= 2 * self.recent_turns:
            return
        cut = turns[-self.recent_turns]
        previous = events[cut - 1]
        if isinstance(previous, ActionExecuted) and previous.action_name == ACTION_LISTEN_NAME:
            cut -= 1
        if ids[cut] is None:
            return
        before = DialogueStateTracker.from_events(sender_id, events[:cut], self.domain.slots)
        if before.active_loop is not None:
            return  # no forms in this domain; an active loop keeps the whole history
        starts = [event.timestamp for event in events if isinstance(event, SessionStarted)]
        slots = {name: slot.value for name, slot in before.slots.items() if slot.has_been_set}
        session.merge(
            TrackerWindow(
                sender_id=sender_id,
                session_start=max(starts) if starts else start,
                first_event_id=ids[cut],
                slots=json.dumps(slots),
            )
        )


def _restoring_events(slots: dict[str, Any], rows: list[Any]) -> list[Event]:
    """``SlotSet`` events that give the slots their values at the window's first event."""
    timestamp = rows[0].timestamp if rows else time.time()
    return [SlotSet(name, value, timestamp=timestamp) for name, value in slots.items()]
