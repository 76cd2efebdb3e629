"""Locust load driver for ``make bench`` (runs in the bench venv: locust + python-socketio).

Conversations over REST or socket.io, closed loop (no think time): each simulated user is
one conversation that sends its next message as soon as the previous turn is answered.
Either for ``--duration`` seconds, or until every user has sent ``--per-user`` messages.
Prints one JSON object: exact latency percentiles, throughput, errors, sender ids.
Only loopback hosts are accepted.
"""

from locust import FastHttpUser, User, constant, task  # noqa: I001  (gevent patches first)
from locust.env import Environment
from locust.exception import StopUser

import argparse
import itertools
import json
import math
import os
import sys
import threading
import time
from urllib.parse import urlparse

import gevent
import socketio

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TURN_TIMEOUT = 60


class Plan:
    # Several instances: each conversation stays on one (hosts[index % n]), as the
    # deployment's sticky load balancer keeps it (deploy/nginx).
    hosts: list[str] = []
    messages: list[str] = []
    per_user: int = 0
    prefix: str = "bench"
    ids = itertools.count()
    finished = 0
    senders: list[str] = []


class Conversation:
    """Mixin: the conversation's sender id and its next message."""

    def start_conversation(self) -> None:
        self.index = next(Plan.ids)
        self.sender = f"{Plan.prefix}-{self.index}"
        Plan.senders.append(self.sender)
        self.sent = 0
        self.host = Plan.hosts[self.index % len(Plan.hosts)]

    def next_message(self) -> str:
        if Plan.per_user and self.sent >= Plan.per_user:
            Plan.finished += 1
            raise StopUser()
        text = Plan.messages[(self.index * 7 + self.sent) % len(Plan.messages)]
        self.sent += 1
        return text


class RestConversation(Conversation, FastHttpUser):
    wait_time = constant(0)

    def __init__(self, environment: Environment) -> None:
        self.start_conversation()  # first: the HTTP client is made for self.host
        super().__init__(environment)

    @task
    def say(self) -> None:
        payload = {"sender": self.sender, "message": self.next_message()}
        with self.client.post(
            "/webhooks/rest/webhook", json=payload, name="rest", catch_response=True
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"HTTP {reply.status_code}")
            elif not isinstance(reply.json(), list) or not reply.json():
                reply.failure("empty reply")


class SocketConversation(Conversation, User):
    """The web widget's protocol: session_request, then user_uttered until bot_done."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.start_conversation()
        self.confirmed, self.done = threading.Event(), threading.Event()
        self.replies: list[dict] = []
        self.session: dict = {}
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("bot_uttered", self.replies.append)
        self.sio.on("bot_done", lambda *_: self.done.set())
        self.sio.connect(self.host, transports=["websocket"], wait_timeout=30)
        self.sio.emit("session_request", {})
        if not self.confirmed.wait(30):
            raise RuntimeError("no session_confirm")
        self.sender = self.session["conversation_id"]  # the tracker's id: web:<session_id>
        Plan.senders[-1] = self.sender

    def _on_confirm(self, data: dict) -> None:
        self.session = data
        self.confirmed.set()

    def on_stop(self) -> None:
        self.sio.disconnect()

    @task
    def say(self) -> None:
        text = self.next_message()
        self.done.clear()
        self.replies.clear()
        start = time.perf_counter()
        session = {k: self.session[k] for k in ("session_id", "token")}
        self.sio.emit("user_uttered", {"message": text, **session})
        finished = self.done.wait(TURN_TIMEOUT)
        elapsed = (time.perf_counter() - start) * 1000
        error = None
        if not finished:
            error = RuntimeError("no bot_done")
        elif not self.replies:
            error = RuntimeError("empty reply")
        self.environment.events.request.fire(
            request_type="socketio",
            name="socketio",
            response_time=elapsed,
            response_length=len(self.replies),
            exception=error,
            context={},
        )


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True, help="base URL; several, comma-separated")
    parser.add_argument("--channel", choices=["rest", "socketio"], default="rest")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--per-user", type=int, default=0, help="messages per conversation")
    parser.add_argument("--messages", required=True, help="JSON list of messages")
    parser.add_argument("--prefix", default="bench")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    Plan.hosts = args.host.split(",")
    if any(urlparse(host).hostname not in LOOPBACK for host in Plan.hosts):
        print("load tests run against loopback addresses only", file=sys.stderr)
        return 2
    with open(args.messages, encoding="utf-8") as file:
        Plan.messages = json.load(file)
    Plan.per_user, Plan.prefix = args.per_user, args.prefix

    times: list[float] = []
    errors: list[str] = []

    def on_request(response_time: float, exception: object = None, **_: object) -> None:
        if exception:
            errors.append(str(exception))
        else:
            times.append(response_time)

    user = RestConversation if args.channel == "rest" else SocketConversation
    env = Environment(user_classes=[user], host=Plan.hosts[0])
    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    start = time.perf_counter()
    runner.start(args.users, spawn_rate=args.users)
    if args.per_user:
        deadline = start + args.timeout
        while Plan.finished < args.users and time.perf_counter() < deadline:
            gevent.sleep(0.2)
    else:
        gevent.sleep(args.duration)
    elapsed = time.perf_counter() - start
    runner.quit()
    total = env.stats.total
    print(
        json.dumps(
            {
                "channel": args.channel,
                "users": args.users,
                "seconds": round(elapsed, 2),
                "replies": len(times),
                "errors": len(errors),
                "error_kinds": sorted(set(errors))[:5],
                "throughput": round(len(times) / elapsed, 2),
                "p50_ms": percentile(times, 0.50),
                "p95_ms": percentile(times, 0.95),
                "p99_ms": percentile(times, 0.99),
                "locust_p95_ms": total.get_response_time_percentile(0.95),
                "finished_users": Plan.finished,
                "senders": Plan.senders,
            }
        ),
        flush=True,
    )
    os._exit(0)  # skip gevent's noisy interpreter teardown


if __name__ == "__main__":
    sys.exit(main())
