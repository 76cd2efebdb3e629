"""Where one turn's time goes: NLU alone (``/model/parse``) against the whole turn (REST).

One message at a time, no other load, so each figure is the cost of a single message:
the whole turn minus NLU is the dialogue side (policies, actions, the tracker store's
read and write). Not a load test (Locust does that); a profile of the parts.
"""

import statistics
import time
from collections.abc import Callable

from bot.tools.metrics import percentile
from bot.tools.servers import Running


def _timed(call: Callable[[], tuple[int, object]]) -> float:
    start = time.perf_counter()
    status, _ = call()
    if status != 200:
        raise RuntimeError(f"request answered {status}")
    return (time.perf_counter() - start) * 1000


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "mean_ms": round(statistics.fmean(values), 1),
    }


def turn_breakdown(server: Running, messages: list[str], count: int = 100) -> dict:
    """Median/p95 of NLU only and of the whole turn over ``count`` held-out messages."""
    sample = messages[:count]
    for text in sample[:5]:  # warm both paths
        server.parse(text)
    parse = [_timed(lambda text=text: server.parse(text)) for text in sample]
    turn = [
        _timed(lambda i=i, text=text: server.say(f"breakdown-{i // 10}", text))
        for i, text in enumerate(sample)
    ]
    nlu, whole = _summary(parse), _summary(turn)
    return {
        "messages": len(sample),
        "nlu": nlu,
        "turn": whole,
        "dialogue_p50_ms": round(whole["p50_ms"] - nlu["p50_ms"], 1),
        "capacity_per_s": round(1000 / whole["mean_ms"], 1),
    }
