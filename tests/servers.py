"""Real servers for tests that stop, restart and share them (fault, persistence and scale-out
tests): the action server and Rasa instances with their own endpoints file, on top of
``bot.tools.servers`` (processes, the HTTP helper). Every wait is bounded."""

import urllib.request
from pathlib import Path

import yaml

from actions.tour_steps import load_tour
from bot.launcher import ROOT, action_command, rasa_command, server_env
from bot.tools.servers import Reply, Server, embedded_endpoints, get_json, http_json

MODEL = ROOT / "models" / "assistant.tar.gz"
# The HTTP API token of every Rasa server these helpers start (tests only).
TOKEN = "test-api-token-for-real-servers"
# The tour's length, as tests see it in "Step 2 of N" (content/tour.yml decides it).
STEPS = len(load_tour().steps)


def sqlite_endpoints(action_port: int, tracker_db: Path) -> str:
    """endpoints.yml on its embedded defaults, with this action server and database."""
    return yaml.safe_dump(embedded_endpoints(f"http://127.0.0.1:{action_port}", tracker_db))


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


def say(base_url: str, sender: str, message: str, timeout: float = 120) -> Reply:
    return http_json(
        f"{base_url}/webhooks/rest/webhook", {"sender": sender, "message": message}, timeout=timeout
    )


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
    return get_json(f"{base_url}/conversations/{sender}/tracker", 60, TOKEN)


def user_texts(events: list[dict]) -> list[str]:
    return [e.get("text") for e in events if e.get("event") == "user"]
