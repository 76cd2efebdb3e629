"""Reply latency against conversation length, and the old sender's first turns.

``long_conversation``: one REST conversation of ``turns`` held-out questions sent one at a
time; the latency of every turn and the events stored so far. ``old_sender``: a sender with
``events`` rows from earlier sessions (copied from a played conversation into the SQLite
store, timestamps moved a day back so those sessions are over) against a new sender, the
same questions each.
"""

import json
import sqlite3
import statistics
import time
import uuid

from bot.tools.servers import Running


def _turn(server: Running, sender: str, text: str) -> float:
    start = time.perf_counter()
    status, _ = server.say(sender, text)
    if status != 200:
        raise RuntimeError(f"turn answered {status}")
    return (time.perf_counter() - start) * 1000


def _stored(server: Running, sender: str) -> int:
    with sqlite3.connect(server.tracker_db) as connection:
        return connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)
        ).fetchone()[0]


def _p50(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def long_conversation(server: Running, messages: list[str], turns: int = 200) -> dict:
    """p50 over the first and last ten turns of one conversation, and every turn's latency."""
    sender = f"long-{uuid.uuid4().hex[:8]}"
    latencies = [_turn(server, sender, messages[i % len(messages)]) for i in range(turns)]
    return {
        "turns": turns,
        "latency_ms": [round(ms, 1) for ms in latencies],
        "p50_first_10_ms": _p50(latencies[:10]),
        "p50_last_10_ms": _p50(latencies[-10:]),
        "events_stored": _stored(server, sender),
    }


def _seed_old_sender(server: Running, source: str, sender: str, events: int) -> int:
    """Copies ``source``'s rows under ``sender`` until it has ``events``, a day back."""
    with sqlite3.connect(server.tracker_db) as connection:
        rows = connection.execute(
            "SELECT type_name, timestamp, intent_name, action_name, data FROM events "
            "WHERE sender_id = ? ORDER BY id",
            (source,),
        ).fetchall()
        copies, span = [], rows[-1][1] - rows[0][1] + 1
        base = time.time() - 86400 - span * (events // len(rows) + 1)
        while len(copies) < events:
            shift = base + span * (len(copies) // len(rows)) - rows[0][1]
            for type_name, stamp, intent, action, data in rows:
                event = json.loads(data)
                event["timestamp"] = stamp + shift
                copies.append((sender, type_name, stamp + shift, intent, action, json.dumps(event)))
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            copies[:events],
        )
    return _stored(server, sender)


def old_sender(server: Running, messages: list[str], events: int = 10_000, turns: int = 20) -> dict:
    """The same ``turns`` questions from a new sender and from one with ``events`` stored.

    The first turn of each starts a session (the old sender's last one has expired); the
    p50 is over the turns after it."""
    tag = uuid.uuid4().hex[:8]
    source, old, new = f"seed-{tag}", f"old-{tag}", f"new-{tag}"
    for i in range(20):
        _turn(server, source, messages[i % len(messages)])
    stored_before = _seed_old_sender(server, source, old, events)
    sample = [messages[(i + 7) % len(messages)] for i in range(turns)]
    new_ms, old_ms = [], []
    for text in sample:  # interleaved, so both see the same machine
        new_ms.append(_turn(server, new, text))
        old_ms.append(_turn(server, old, text))
    return {
        "stored_before": stored_before,
        "turns": turns,
        "new_p50_ms": _p50(new_ms[1:]),
        "old_p50_ms": _p50(old_ms[1:]),
        "new_first_ms": round(new_ms[0], 1),
        "old_first_ms": round(old_ms[0], 1),
    }
