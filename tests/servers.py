"""Real servers for tests that stop, restart and share them (fault, persistence and scale-out
tests): the action server and Rasa instances with their own endpoints file, on top of
``bot.tools.servers`` (processes, the HTTP helper). Every wait is bounded."""

import urllib.request
from pathlib import Path

import yaml

from actions.tour_steps import load_tour
from bot.launcher import ROOT
from bot.tools import servers
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
    return servers.action_server(port, work / "actions.log")


def rasa_server(
    work: Path,
    port: int,
    endpoints: Path,
    name: str = "rasa",
    cors: list[str] | None = None,
    **env: str,
) -> Server:
    return servers.rasa_server(MODEL, port, endpoints, work / f"{name}.log", TOKEN, env, cors)


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
