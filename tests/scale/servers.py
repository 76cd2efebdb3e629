"""Real servers for tests that stop, restart and share them: the action server, Rasa
instances with their own endpoints file, and small HTTP helpers. Every wait is bounded."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bot.launcher import ROOT, action_command, rasa_command, server_env
from bot.tools.servers import Server, api_headers

MODEL = ROOT / "models" / "assistant.tar.gz"
# The HTTP API token of every Rasa server these helpers start (tests only).
TOKEN = "test-api-token-for-real-servers"
FAULT_NLG = "nlg:\n  type: bot.fault_nlg.FaultTolerantNLG\n"


def sqlite_endpoints(action_port: int, tracker_db: Path) -> str:
    return (
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\n'
        f"{FAULT_NLG}"
    )


def action_server(work: Path, port: int) -> Server:
    return Server(action_command(port), f"http://127.0.0.1:{port}/health", work / "actions.log")


def rasa_server(
    work: Path,
    port: int,
    endpoints: Path,
    name: str = "rasa",
    cors: list[str] | None = None,
    **env: str,
) -> Server:
    command = rasa_command(str(MODEL), "127.0.0.1", port, str(endpoints), cors=cors)
    environment = server_env() | {"RASA_AUTH_TOKEN": TOKEN} | env
    health = f"http://127.0.0.1:{port}/status?token={TOKEN}"
    return Server(command, health, work / f"{name}.log", environment)


@dataclass
class Reply:
    status: int
    body: object

    @property
    def text(self) -> str:
        if not isinstance(self.body, list):
            return ""
        return "\n".join(m.get("text") or "" for m in self.body)


def say(base_url: str, sender: str, message: str, timeout: float = 120) -> Reply:
    data = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook", data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Reply(reply.status, json.loads(reply.read() or b"null"))
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return Reply(error.code, json.loads(raw))
        except ValueError:
            return Reply(error.code, raw.decode("utf-8", "replace"))


def allowed_origin(base_url: str, origin: str) -> str | None:
    """The Access-Control-Allow-Origin a browser preflight from ``origin`` gets."""
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook",
        method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers.get("Access-Control-Allow-Origin")


def tracker(base_url: str, sender: str) -> dict:
    request = urllib.request.Request(
        f"{base_url}/conversations/{sender}/tracker", headers=api_headers(TOKEN)
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def user_texts(events: list[dict]) -> list[str]:
    return [e.get("text") for e in events if e.get("event") == "user"]
