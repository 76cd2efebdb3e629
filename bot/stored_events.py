"""The stored conversations, read straight from the tracker store in use.

The endpoints file is the launcher's effective one (``var/endpoints.effective.yml``) when it
exists, else ``endpoints.yml``; ``${VARS}`` in it are filled from the environment, as Rasa
does. Only SQL tracker stores are supported (Rasa's, or a subclass such as the project's
``bot.tracker_store.RecentTurnsTrackerStore``; SQLite by default, PostgreSQL at scale):
its ``events`` table is read and written through SQLAlchemy with Rasa's own table
definition, so nobody needs SQL. Used by ``python -m bot retention`` and by the review tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, validate_port
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import class_from_module_path
from rasa.utils.endpoints import read_endpoint_config

from bot.launcher import EFFECTIVE_ENDPOINTS, ROOT, STATE_DIR

EVENTS = SQLTrackerStore.SQLEvent.__table__
SESSION_START = "action_session_start"
# bot/tracker_store.py: one row per conversation, pointing at its first recent event
WINDOWS = "tracker_windows"


def is_sql_store(store_type: str | None) -> bool:
    """Rasa's ``SQL`` type, or the module path of a subclass of its SQL tracker store."""
    if (store_type or "").lower() == "sql":
        return True
    try:
        store_class = class_from_module_path(store_type or "")
    except (ImportError, AttributeError, ValueError):
        return False
    return isinstance(store_class, type) and issubclass(store_class, SQLTrackerStore)


class StoreError(Exception):
    """The tracker store cannot be read: not configured, not SQL, or unreachable (says why)."""


class NoStore(StoreError):
    """Nothing is stored yet (no database file, or no events table)."""


def endpoints_in_use(state_dir: Path = STATE_DIR) -> Path:
    effective = state_dir / EFFECTIVE_ENDPOINTS
    return effective if effective.exists() else ROOT / "endpoints.yml"


@dataclass
class EventStore:
    """The ``events`` table of one SQL tracker store."""

    engine: sa.engine.Engine
    where: str  # for messages: the database, without any password

    @classmethod
    def from_endpoints(cls, path: Path) -> EventStore:
        try:
            config = read_endpoint_config(str(path), "tracker_store")
        except RasaException as error:  # e.g. a ${VARIABLE} the environment does not set
            raise StoreError(f"{path}: {error}") from error
        if config is None or not is_sql_store(config.type):
            kind = config.type if config else "in memory (none configured)"
            raise StoreError(f"{path}: the tracker store is {kind}; only SQL stores are read.")
        options = dict(config.kwargs)
        dialect = options.get("dialect", "sqlite")
        db = str(options.get("db", "rasa.db"))
        if dialect == "sqlite":
            file = Path(db) if Path(db).is_absolute() else ROOT / db
            if not file.exists():
                raise NoStore(f"No conversations stored yet ({file} does not exist).")
            db = str(file)
        url = SQLTrackerStore.get_db_url(
            dialect,
            config.url,
            validate_port(options.get("port")),  # "5432" from the environment, as Rasa does
            db,
            options.get("username"),
            options.get("password"),
            options.get("login_db"),
            options.get("query"),
        )
        engine = sa.create_engine(url)
        where = f"{dialect} {db}" if dialect == "sqlite" else f"{dialect} {config.url}/{db}"
        try:
            stored = sa.inspect(engine).has_table(EVENTS.name)
        except sa.exc.SQLAlchemyError as error:
            reason = str(error).splitlines()[0]
            raise StoreError(f"The tracker store ({where}) cannot be reached: {reason}") from error
        if not stored:
            raise NoStore(f"No conversations stored yet ({where} has no events table).")
        return cls(engine, where)

    def events(self, since: float = 0.0) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(sender_id, event)`` from ``since`` (a Unix time) on, in the order stored."""
        query = (
            sa.select(EVENTS.c.sender_id, EVENTS.c.data)
            .where(EVENTS.c.timestamp >= since)
            .order_by(EVENTS.c.sender_id, EVENTS.c.id)
        )
        with self.engine.connect() as connection:
            for sender_id, data in connection.execute(query):
                try:
                    yield sender_id, json.loads(data)
                except (TypeError, ValueError):
                    continue

    def session_index(self) -> list[tuple[int, str, float, bool]]:
        """Every stored event as ``(id, sender_id, timestamp, starts_a_session)``, in order."""
        query = sa.select(
            EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.timestamp, EVENTS.c.action_name
        ).order_by(EVENTS.c.sender_id, EVENTS.c.id)
        with self.engine.connect() as connection:
            return [
                (row.id, row.sender_id, row.timestamp or 0.0, row.action_name == SESSION_START)
                for row in connection.execute(query)
            ]

    def delete(self, ids: list[int], batch: int = 500) -> int:
        """Delete the events ``ids``; returns how many were deleted."""
        deleted = 0
        with self.engine.begin() as connection:
            for start in range(0, len(ids), batch):
                chunk = ids[start : start + batch]
                deleted += connection.execute(
                    EVENTS.delete().where(EVENTS.c.id.in_(chunk))
                ).rowcount
            if sa.inspect(connection).has_table(WINDOWS):
                # a conversation deleted whole leaves its window row (slot values) behind
                connection.execute(
                    sa.text(
                        f"DELETE FROM {WINDOWS} WHERE NOT EXISTS "
                        f"(SELECT 1 FROM events WHERE events.id = {WINDOWS}.first_event_id)"
                    )
                )
        return deleted
