"""Real server processes for tests, ``make evaluate`` and ``make bench``.

``Server`` is one process started and stopped on demand; ``assistant`` starts an action
server and a Rasa server on free loopback ports (the embedded defaults: SQLite tracker
store, in-memory lock store) and measures them. Every wait is bounded. Each Rasa server gets
its own random HTTP API token (``Running.token``), as ``make run`` does.
"""

import json
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.launcher import (
    ROOT,
    action_command,
    rasa_command,
    server_env,
    stop,
    wait_until_up,
)

START_TIMEOUT = 300


def free_port() -> int:
    """A free TCP port on the loopback interface (for test and benchmark servers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One server process, started and stopped on demand, with its log kept in ``log``."""

    command: list[str]
    health_url: str
    log: Path
    env: dict[str, str] = field(default_factory=server_env)
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 240) -> "Server":
        self.launch()
        self.wait_until_up(timeout)
        return self

    def launch(self) -> None:
        with open(self.log, "a") as handle:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT
            )

    def wait_until_up(self, timeout: float = 240) -> None:
        if not self.process or not wait_until_up(self.health_url, timeout, [self.process]):
            self.stop()
            raise RuntimeError(f"{self.command[:3]} did not start:\n{self.tail()}")

    def stop(self) -> None:
        if self.process:
            stop([self.process])
            self.process = None

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def action_server(port: int, log: Path, env: dict[str, str] | None = None) -> Server:
    """The action server on a loopback port (not started)."""
    health = f"http://127.0.0.1:{port}/health"
    return Server(action_command(port), health, log, env if env is not None else server_env())


def rasa_server(
    model: Path,
    port: int,
    endpoints: Path,
    log: Path,
    token: str,
    env: dict[str, str] | None = None,
    cors: list[str] | None = None,
) -> Server:
    """A Rasa server on a loopback port with this HTTP API token (not started)."""
    command = rasa_command(str(model), "127.0.0.1", port, str(endpoints), cors=cors)
    environment = server_env() | {"RASA_AUTH_TOKEN": token} | (env or {})
    return Server(command, f"http://127.0.0.1:{port}/status?token={token}", log, environment)


def embedded_endpoints(
    action_url: str, db: Path, tracker_store: str | None = None, lock_store: str | None = None
) -> dict:
    """The project's endpoints.yml on its embedded defaults, with this run's action server
    and tracker database; ``tracker_store`` / ``lock_store`` replace the configured types
    (the benchmark compares them with Rasa's own, ``SQL`` and ``in_memory``)."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    endpoints["action_endpoint"] = {"url": f"{action_url}/webhook"}
    configured = endpoints.get("tracker_store") or {}
    endpoints["tracker_store"] = {
        "type": tracker_store or configured.get("type", "SQL"),
        "dialect": "sqlite",
        "db": str(db),
    }
    locks = endpoints.get("lock_store") or {}
    endpoints["lock_store"] = {"type": lock_store or locks.get("type", "in_memory")}
    return endpoints


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process and its children (MB): now and the peak (VmHWM)."""
    now = peak = 0.0
    for each in [pid, *_descendants(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                now += int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak += int(line.split()[1]) / 1024
    return {"rss_mb": round(now, 1), "peak_mb": round(peak, 1)}


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def new_token() -> str:
    """A random HTTP API token for a test or measurement server."""
    return secrets.token_urlsafe(24)


def api_headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass
class Reply:
    """An HTTP reply: its status, its body (parsed JSON, else text) and its headers."""

    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The bot texts of a REST channel reply, one per line."""
        if not isinstance(self.body, list):
            return ""
        return "\n".join(m.get("text") or "" for m in self.body if isinstance(m, dict))


def _body(raw: bytes) -> object:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode("utf-8", "replace")


def http_json(
    url: str,
    data: bytes | dict | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 60,
) -> Reply:
    """One HTTP request; a ``dict`` is sent as JSON. Error statuses are returned, not raised:
    the one HTTP helper of the tools and the tests."""
    headers = dict(headers or {})
    if isinstance(data, dict):
        data = json.dumps(data).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Reply(reply.status, _body(reply.read()), dict(reply.headers))
    except urllib.error.HTTPError as error:
        return Reply(error.code, _body(error.read()), dict(error.headers))


def post_json(
    url: str, payload: dict, timeout: float = 60, token: str | None = None
) -> tuple[int, object]:
    reply = http_json(url, payload, api_headers(token), timeout=timeout)
    return reply.status, reply.body


def get_json(url: str, timeout: float = 30, token: str | None = None) -> object:
    reply = http_json(url, headers=api_headers(token), timeout=timeout)
    if reply.status != 200:
        raise RuntimeError(f"GET {url}: {reply.status} {reply.body!r}"[:500])
    return reply.body


@dataclass
class Running:
    base_url: str
    action_url: str
    tracker_db: Path
    rasa_pid: int
    action_pid: int
    cold_start_s: float
    token: str = ""
    rasa_log: Path | None = None
    memory: dict[str, dict[str, float]] = field(default_factory=dict)

    def say(self, sender: str, message: str, timeout: float = 60) -> tuple[int, object]:
        return post_json(
            f"{self.base_url}/webhooks/rest/webhook",
            {"sender": sender, "message": message},
            timeout,
        )

    def tracker(self, sender: str) -> dict:
        return get_json(f"{self.base_url}/conversations/{sender}/tracker", token=self.token)

    def parse(self, text: str) -> tuple[int, object]:
        return post_json(f"{self.base_url}/model/parse", {"text": text}, token=self.token)

    def measure_memory(self, label: str) -> None:
        self.memory[label] = {
            "rasa": rss_mb(self.rasa_pid),
            "actions": rss_mb(self.action_pid),
        }


@contextmanager
def assistant(
    model: Path,
    work: Path,
    credentials: Path | None = None,
    env: dict[str, str] | None = None,
    tracker_store: str | None = None,
    lock_store: str | None = None,
) -> Iterator[Running]:
    """Both servers for ``model``; cold start = spawn until the first REST answer.

    ``credentials`` replaces the project's channel list, ``env`` adds to the servers'
    environment (the Slack tests point the channel at their fake Web API this way),
    ``tracker_store`` / ``lock_store`` the configured store types (``embedded_endpoints``).
    """
    token = new_token()
    work.mkdir(parents=True, exist_ok=True)
    db = work / "tracker.db"
    db.unlink(missing_ok=True)
    rasa_port, action_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    base, action_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}"
    endpoints.write_text(
        yaml.safe_dump(embedded_endpoints(action_url, db, tracker_store, lock_store))
    )
    for log in ("actions.log", "rasa.log"):
        (work / log).unlink(missing_ok=True)
    rasa = rasa_server(model, rasa_port, endpoints, work / "rasa.log", token, env)
    if credentials is not None:
        rasa.command[rasa.command.index("--credentials") + 1] = str(credentials)
    actions = action_server(action_port, work / "actions.log", rasa.env)
    start = time.perf_counter()
    try:
        actions.launch()
        rasa.launch()
        rasa.wait_until_up(START_TIMEOUT)
        actions.wait_until_up(60)
        assert rasa.process and actions.process
        running = Running(
            base, action_url, db, rasa.process.pid, actions.process.pid, 0.0, token, rasa.log
        )
        status, _ = running.say("cold-start", "hello")
        running.cold_start_s = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f"first message answered {status}:\n{rasa.tail()}")
        yield running
    finally:
        rasa.stop()
        actions.stop()
