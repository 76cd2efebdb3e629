"""``python -m bot retention``: delete stored conversations older than the retention setting.

``CONVERSATION_RETENTION_DAYS`` (``.env.example``) is the number of days a conversation is
kept after its last message; empty or ``0`` keeps everything (the default). The command
deletes, in the tracker store in use (``bot/stored_events.py``), every *session* whose last
event is older than that: a conversation that is still in use keeps its current session,
and Rasa never reads a session before the latest one, so nothing still in use changes.
Run it where the assistant runs, once a day (cron, a systemd timer or a Kubernetes CronJob);
``--dry-run`` says what it would delete.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

RETENTION_VAR = "CONVERSATION_RETENTION_DAYS"
DAY = 86400.0


def retention_days(value: str | None) -> int | None:
    """The days to keep conversations, None when retention is off; ValueError if not a number."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"{RETENTION_VAR} must be a whole number of days, not {value!r}.")
    return int(value) or None


def expired(index: Iterable[tuple[int, str, float, bool]], cutoff: float) -> list[int]:
    """The ids of events in sessions whose last event is before ``cutoff``.

    ``index`` holds ``(id, sender_id, timestamp, starts_a_session)`` ordered by sender and id.
    """
    doomed: list[int] = []
    session: list[int] = []
    last, sender = 0.0, None

    def close() -> None:
        if session and last < cutoff:
            doomed.extend(session)

    for event_id, sender_id, timestamp, starts in index:
        if sender_id != sender or starts:
            close()
            session, last, sender = [], 0.0, sender_id
        session.append(event_id)
        last = max(last, timestamp)
    close()
    return doomed


def main(argv: list[str] | None = None) -> int:
    from bot.stored_events import EventStore, NoStore, StoreError, endpoints_in_use

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--days", help=f"keep this many days (default: ${RETENTION_VAR}; empty or 0: keep all)"
    )
    parser.add_argument("--endpoints", type=Path, help="endpoints file (default: the one in use)")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    args = parser.parse_args(argv)
    try:
        days = retention_days(args.days if args.days is not None else os.environ.get(RETENTION_VAR))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if days is None:
        print(f"Retention is off ({RETENTION_VAR} is empty or 0): nothing deleted.")
        return 0
    try:
        store = EventStore.from_endpoints(args.endpoints or endpoints_in_use())
    except NoStore as error:
        print(error)
        return 0
    except StoreError as error:
        print(error, file=sys.stderr)
        return 1
    index = store.session_index()
    doomed = expired(index, time.time() - days * DAY)
    doomed_ids = set(doomed)
    senders = {sender for event_id, sender, _, _ in index if event_id in doomed_ids}
    if args.dry_run:
        print(f"Would delete {len(doomed)} events of {len(senders)} conversations ({days} days).")
        return 0
    deleted = store.delete(doomed)
    print(f"Deleted {deleted} events of {len(senders)} conversations ({days} days, {store.where}).")
    return 0
