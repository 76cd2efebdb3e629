"""Each speed lever's effect: the same model served with one lever at a time turned back.

Every configuration is a fresh server pair (``bot.tools.servers.assistant``) with the same
model, one after another in the same run, so the figures are comparable as ratios:

- single-message p50: ``SINGLE`` distinct held-out questions one at a time (conversations
  of ten), no other load;
- NLU p50 on ``/model/parse``: the same questions, first seen (distinct texts) and then
  again (repeated texts: the e5 cache's case);
- REST at 8 concurrent conversations for ``LOAD_SECONDS`` (Locust): replies/s and p95;
- for the stores: p50 of turns 1-10 and 191-200 of one conversation, and the old sender;
- for the event loop and the lock store: the 200-message socket burst.
"""

import os
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bot.tools.bench.conversation_length import long_conversation, old_sender
from bot.tools.bench.ordering import socket_burst
from bot.tools.servers import Running, assistant

SINGLE = 40
LOAD_SECONDS = 10
# Rasa as it ships: its SQL tracker store, its in-memory lock store, NLU on the event loop.
RASA_STOCK = {
    "tracker_store": "SQL",
    "lock_store": "in_memory",
    "env": {"COPRO_NLU_THREAD": "0", "COPRO_E5_CACHE_SIZE": "0"},
}
# The load generator's conversations all walk the same held-out list, and the levels re-send
# what earlier ones sent: with the e5 cache on, most of their texts would be repeats. So every
# configuration but "with_cache" runs without it, and the figures are for distinct texts.
NO_CACHE = {"COPRO_E5_CACHE_SIZE": "0"}
# name: (what is turned back, servers' settings, extra measurements)
CONFIGS: dict[str, tuple[str, dict, tuple[str, ...]]] = {
    "rasa_stock": ("all levers off: Rasa's stores, NLU on the loop", RASA_STOCK, ("long", "burst")),
    "ours": ("all levers on (e5 cache off)", {"env": NO_CACHE}, ("long", "old", "burst")),
    "sql_store": (
        "Rasa's SQL tracker store",
        {"tracker_store": "SQL", "env": NO_CACHE},
        ("long", "old"),
    ),
    "nlu_on_loop": (
        "NLU on the event loop",
        {"env": {**NO_CACHE, "COPRO_NLU_THREAD": "0"}},
        ("burst",),
    ),
    "rasa_lock": (
        "Rasa's in-memory lock store",
        {"lock_store": "in_memory", "env": NO_CACHE},
        ("burst",),
    ),
    "two_threads": (
        "e5 on 2 OpenMP threads (the launcher's default: 1)",
        {"env": {**NO_CACHE, "OMP_NUM_THREADS": "2"}},
        (),
    ),
    "with_cache": ("all levers on, with the e5 cache (as shipped; load: repeated texts)", {}, ()),
}
# A burst with Rasa's lock store waits a second per message: give up after this long.
SLOW_BURST_TIMEOUT_S = 60


def _p50_ms(call: Callable[[], object], count: int) -> float:
    times = []
    for i in range(count):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def _basics(server: Running, messages: list[str], load: Callable[..., dict]) -> dict:
    sample = list(dict.fromkeys(messages[300:]))[:SINGLE]  # texts no earlier step sent
    tag = uuid.uuid4().hex[:6]
    single = _p50_ms(lambda i: server.say(f"single-{tag}-{i // 10}", sample[i]), SINGLE)
    repeated = _p50_ms(lambda i: server.parse(sample[i]), SINGLE)  # all seen by the turns
    fresh = list(dict.fromkeys(messages[600:]))[:SINGLE]
    distinct = _p50_ms(lambda i: server.parse(fresh[i]), SINGLE)
    run = load(server, "rest", 8, duration=LOAD_SECONDS)
    return {
        "single_p50_ms": single,
        "parse_distinct_p50_ms": distinct,
        "parse_repeated_p50_ms": repeated,
        "load8_throughput": run.get("throughput"),
        "load8_p95_ms": run.get("p95_ms"),
        "load8_errors": run.get("errors"),
    }


def measure_levers(
    model: Path, work: Path, messages: list[str], python: Path, load: Callable[..., dict]
) -> dict:
    """Every configuration of CONFIGS, measured in turn."""
    results = {}
    for name, (label, settings, extra) in CONFIGS.items():
        print(f"   lever {name}: {label}", flush=True)
        with assistant(model, work / name, **settings) as server:
            result = {"label": label, "load_avg_start": os.getloadavg()}
            result.update(_basics(server, messages, load))
            if "long" in extra:
                result["long"] = long_conversation(server, messages)
            if "old" in extra:
                result["old_sender"] = old_sender(server, messages)
            if "burst" in extra:
                slow = name in ("rasa_stock", "rasa_lock")
                timeout = SLOW_BURST_TIMEOUT_S if slow else 600
                result["burst"] = socket_burst(
                    python, server, messages, work / name, timeout=timeout
                )
            result["load_avg_end"] = os.getloadavg()
        print(f"   {name}: { {k: v for k, v in result.items() if k != 'long'} }", flush=True)
        results[name] = result
    return results
