"""A local stand-in for Slack: the Web API the bot calls, and the requests Slack would send.

``FakeSlackApi`` is a real HTTP server on 127.0.0.1 that records every call
(``chat.postMessage`` and friends under ``/api/``, ``response_url`` replies under
``/response/``) and can be told to fail the next calls. ``SlackClient`` signs
events, button clicks and slash commands the way Slack does and posts them to
the Rasa server.
"""

import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.channels.slack_verify import signature


@dataclass
class Call:
    """One request the bot made to the fake Slack."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    ok: bool = True  # False when the fake answered with an error

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    channel: str | None = None  # fail only calls for this channel (None: any)


class FakeSlackApi:
    """Records calls; answers like Slack (``ok``, ``ts``), or fails on request."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    def start(self) -> "FakeSlackApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, method: str, *failures: Failure) -> None:
        """The next calls of ``method`` (e.g. ``chat.postMessage``) get these answers."""
        with self._lock:
            self.failures.setdefault(method, []).extend(failures)

    def posts(self, channel: str) -> list[Call]:
        """Successful ``chat.postMessage`` calls to ``channel``."""
        return [
            c
            for c in self.snapshot()
            if c.method == "chat.postMessage" and c.ok and c.body.get("channel") == channel
        ]

    def attempts(self, channel: str) -> list[Call]:
        """Every ``chat.postMessage`` call to ``channel``, failed ones included."""
        return [
            c
            for c in self.snapshot()
            if c.method == "chat.postMessage" and c.body.get("channel") == channel
        ]

    def responses(self, name: str) -> list[Call]:
        return [c for c in self.snapshot() if c.path == f"/response/{name}"]

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def wait_for(
        self, found: Callable[[], list[Call]], count: int = 1, timeout: float = 60
    ) -> list[Call]:
        """Wait until ``found()`` returns at least ``count`` calls; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = found()
            if len(calls) >= count:
                return calls
            time.sleep(0.1)
        return found()

    def _answer(
        self, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        method = path.rsplit("/", 1)[-1]
        with self._lock:
            queued = self.failures.get(method) or []
            failure = next((f for f in queued if f.channel in (None, body.get("channel"))), None)
            if failure:
                queued.remove(failure)
            status = failure.status if failure else 200
            self.calls.append(Call(path, body, headers, status, ok=failure is None))
            if failure:
                return failure.status, failure.body, failure.headers
            ts = f"1700000000.{next(self._ts):06d}"
        if path.startswith("/response/"):
            return 200, {}, {}
        if method == "auth.test":
            return 200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}, {}
        return 200, {"ok": True, "channel": body.get("channel"), "ts": ts, "message": body}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = (self.headers.get("Content-Type") or "").split(";")[0]
                if kind == "application/json":
                    body = json.loads(raw or b"{}")
                else:
                    body = dict(urllib.parse.parse_qsl(raw.decode("utf-8")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer, extra = fake._answer(self.path, body, headers)
                data = json.dumps(answer).encode() if answer or status != 200 else b"ok"
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if answer else "text/plain")
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class SlackClient:
    """Sends requests to the bot as Slack would: signed with the signing secret."""

    def __init__(self, webhook_url: str, signing_secret: str) -> None:
        self.webhook_url, self.secret = webhook_url, signing_secret
        self._ids = itertools.count(1)

    def send(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Reply:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, **(headers or {})}
        if signed:
            sent["X-Slack-Signature"] = signature(secret or self.secret, stamp, body)
        request = urllib.request.Request(self.webhook_url, data=body, headers=sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return Reply(reply.status, reply.read().decode(), dict(reply.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), dict(error.headers))

    def event(
        self, event: dict[str, Any], event_id: str | None = None, **options: Any
    ) -> tuple[str, Reply]:
        """Send an ``event_callback``; returns its event id and the reply."""
        event_id = event_id or f"Ev{next(self._ids):08d}{int(time.time() * 1000)}"
        envelope = {
            "token": "ignored",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {"team": "T1", **event},
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
        body = json.dumps(envelope).encode()
        return event_id, self.send(body, "application/json; charset=utf-8", **options)

    def json(self, payload: dict[str, Any], **options: Any) -> Reply:
        return self.send(json.dumps(payload).encode(), "application/json", **options)

    def form(self, fields: dict[str, str], **options: Any) -> Reply:
        body = urllib.parse.urlencode(fields).encode()
        return self.send(body, "application/x-www-form-urlencoded", **options)
