"""Bursts and ordering: 200 messages on one socket, and REST messages sent close together.

``socket_burst`` sends ``count`` distinct questions at once on one socket.io connection
(``burst.py`` in the bench venv) while another conversation sends a REST message every
quarter second; it reports how many were answered, whether the socket stayed connected,
whether the conversation stored them in the order sent, and that other conversation's
latency during the burst against the same probe with no burst. ``rest_order`` sends
``count`` messages to one conversation from threads started ``gap`` seconds apart and reads
back the stored order.
"""

import json
import statistics
import subprocess
import threading
import time
import uuid
from pathlib import Path

from bot.tools.servers import Running

BURST = Path(__file__).with_name("burst.py")
PROBE_INTERVAL_S = 0.25


def _user_texts(server: Running, sender: str) -> list[str]:
    events = server.tracker(sender).get("events") or []
    return [e.get("text") for e in events if e.get("event") == "user"]


def _probe(server: Running, messages: list[str], stop: threading.Event, limit: int) -> list[float]:
    """One message every PROBE_INTERVAL_S to a conversation of its own; the latencies."""
    sender, latencies = f"probe-{uuid.uuid4().hex[:8]}", []
    while not stop.is_set() and len(latencies) < limit:
        start = time.perf_counter()
        server.say(sender, messages[len(latencies) % len(messages)])
        latencies.append((time.perf_counter() - start) * 1000)
        stop.wait(PROBE_INTERVAL_S)
    return latencies


def socket_burst(
    python: Path,
    server: Running,
    messages: list[str],
    work: Path,
    count: int = 200,
    timeout: float = 600,
) -> dict:
    texts = list(dict.fromkeys(messages))[:count]
    path = work / "burst.json"
    path.write_text(json.dumps(texts))
    quiet = _probe(server, messages, threading.Event(), 20)
    stop, during = threading.Event(), []
    prober = threading.Thread(target=lambda: during.extend(_probe(server, messages, stop, 10**6)))
    prober.start()
    try:
        command = [str(python), str(BURST), "--host", server.base_url, "--messages", str(path)]
        command += ["--timeout", str(timeout)]
        out = subprocess.run(command, capture_output=True, text=True, timeout=900)
    finally:
        stop.set()
        prober.join()
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"burst failed: {out.stderr[-2000:]}")
    result = json.loads(lines[-1])
    stored = _user_texts(server, result.pop("conversation_id"))
    result["stored"] = len(stored)
    result["timeout_s"] = timeout
    result["in_order"] = stored == texts
    result["probe_quiet_p50_ms"] = round(statistics.median(quiet), 1)
    result["probe_during_p50_ms"] = round(statistics.median(during), 1) if during else None
    result["probe_during_max_ms"] = round(max(during), 1) if during else None
    result["ok"] = (
        result["answered"] == len(texts) and result["connected_at_end"] and result["in_order"]
    )
    return result


def rest_order(
    server: Running, messages: list[str], runs: int = 5, count: int = 10, gap: float = 0.03
) -> dict:
    """How many of ``runs`` conversations stored ``count`` close-together messages in order."""
    in_order = 0
    for run in range(runs):
        sender = f"order-{uuid.uuid4().hex[:8]}"
        texts = list(dict.fromkeys(messages[run * count :]))[:count]
        threads = [threading.Thread(target=server.say, args=(sender, text)) for text in texts]
        for thread in threads:
            thread.start()
            time.sleep(gap)
        for thread in threads:
            thread.join()
        in_order += _user_texts(server, sender) == texts
    return {"runs": runs, "messages": count, "gap_ms": gap * 1000, "in_order": in_order}
