"""The "several instances on one machine" lever: the deployment's scale-out, measured here.

``deploy/docker-compose.yml`` runs two Rasa instances sharing PostgreSQL (the recent-turns
tracker store) and Redis (the atomic lock store) through ``deploy/endpoints.scale.yml``, one
action server, and nginx keeping each conversation on one instance. This starts the same
on loopback (``bot.tools.local_services``) and loads one instance, then both, with the same
8 conversations for ``LOAD_SECONDS`` (each conversation stays on one instance, as nginx keeps
it), then both with 16. Every server runs without the e5 cache, as the other levers do.
Needs ``make scale-deps``; without PostgreSQL and Redis it reports why it was skipped.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from bot.launcher import ROOT, SCALE_ENDPOINTS, server_env
from bot.tools.bench.levers import LOAD_SECONDS, NO_CACHE
from bot.tools.local_services import installed, local_postgres, local_redis, scale_env
from bot.tools.servers import START_TIMEOUT, action_server, free_port, new_token, rasa_server

INSTANCES = 2
# (label, instances loaded, concurrent conversations)
RUNS = (("one", 1, 8), ("two", 2, 8), ("two_16", 2, 16))


def measure_instances(model: Path, work: Path, load: Callable[..., dict]) -> dict:
    """Throughput and p95 of one and of two instances on the scale-out stores.

    ``load(hosts, channel, users, **options)`` runs the Locust driver against the
    comma-joined base URLs.
    """
    if not installed():
        return {"skipped": "PostgreSQL and Redis are not installed here (make scale-deps)"}
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {"load_avg_start": os.getloadavg(), "instances": INSTANCES}
    result["seconds"] = LOAD_SECONDS
    with contextlib.ExitStack() as stack:
        postgres = stack.enter_context(local_postgres())
        redis_port = stack.enter_context(local_redis(work / "redis"))
        token, action_port = new_token(), free_port()
        ports = [free_port() for _ in range(INSTANCES)]
        env = scale_env(postgres, redis_port, f"http://127.0.0.1:{action_port}") | NO_CACHE
        endpoints = ROOT / SCALE_ENDPOINTS
        servers = [action_server(action_port, work / "actions.log", server_env() | env)]
        servers += [
            rasa_server(model, port, endpoints, work / f"rasa-{i}.log", token, env)
            for i, port in enumerate(ports)
        ]
        stack.callback(lambda: [server.stop() for server in servers])
        for server in servers:  # start all, then wait: the instances load in parallel
            server.launch()
        for server in servers:
            server.wait_until_up(START_TIMEOUT)
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:  # the first turn of each instance loads what it loads lazily
            load(base, "rest", 1, per_user=2, prefix=f"warm-{base[-5:]}", timeout=120)
        for label, count, users in RUNS:
            run = load(",".join(bases[:count]), "rest", users, duration=LOAD_SECONDS)
            run.pop("senders", None)
            result[label] = {
                key: run.get(key) for key in ("throughput", "p50_ms", "p95_ms", "errors")
            }
            result[label] |= {"instances": count, "users": users}
            print(f"   instances {label}: {result[label]}", flush=True)
    result["load_avg_end"] = os.getloadavg()
    return result
