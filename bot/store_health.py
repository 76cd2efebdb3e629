"""Whether the conversation store can be reached right now, and the 503 that says it cannot.

Rasa wraps every tracker store in ``FailSafeTrackerStore``: when the database is down it
reads an empty conversation and saves into memory, so the user gets an answer without
context that is never stored, and no error. At scale (PostgreSQL tracker store, Redis lock
store) a channel checks the stores before and after handling a message and answers
``503`` with ``Retry-After`` instead; the SQL tracker store saves a turn in one
transaction, so the database holds the conversation as it was before the failed turn.
The SQLite file of the embedded default is always reachable and is not checked.
"""

import asyncio
import logging
from typing import Any

import sqlalchemy as sa
from sanic import response
from sanic.response import HTTPResponse

from bot.channels.domain_text import domain_text

logger = logging.getLogger(__name__)

# What a person reads then: a domain response, like every other word the assistant says.
STORE_UNAVAILABLE_RESPONSE = "utter_store_unavailable"
RETRY_AFTER_SECONDS = 30
PING_TIMEOUT_SECONDS = 5.0


def _ping_sql(engine: Any) -> None:
    # After a database restart the pool's connections are stale: the first failure
    # invalidates the pool, so a second try tells "restarted" from "down".
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return
        except sa.exc.DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise


def _stores(agent: Any) -> tuple[Any, Any]:
    tracker_store = getattr(agent, "tracker_store", None)
    # FailSafeTrackerStore keeps the configured store in a private attribute
    tracker_store = getattr(tracker_store, "_tracker_store", tracker_store)
    return tracker_store, getattr(agent, "lock_store", None)


async def store_unavailable(agent: Any) -> str | None:
    """Why the tracker store or the lock store can't be reached now, or None if both can."""
    tracker_store, lock_store = _stores(agent)
    checks = []
    engine = getattr(tracker_store, "engine", None)
    if engine is not None and engine.dialect.name != "sqlite":
        checks.append(("tracker store", _ping_sql, engine))
    redis = getattr(lock_store, "red", None)
    if redis is not None:
        checks.append(("lock store", lambda client: client.ping(), redis))
    for name, ping, target in checks:
        try:
            await asyncio.wait_for(asyncio.to_thread(ping, target), PING_TIMEOUT_SECONDS)
        except Exception as error:  # any failure to answer is "unreachable"
            return f"{name}: {type(error).__name__}: {error}".strip()
    return None


def unavailable_response(reason: str, app: object) -> HTTPResponse:
    """503 with the domain's words for it and a ``Retry-After``."""
    logger.error("Conversation store unreachable, answering 503 (%s)", reason)
    return response.json(
        {"error": domain_text(app, STORE_UNAVAILABLE_RESPONSE)},
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
