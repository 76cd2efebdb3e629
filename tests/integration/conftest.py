"""Starts a real action server and Rasa server once per test session, on free ports,
with a tracker store in a temporary SQLite file (``bot.tools.servers.assistant``).

The Rasa server has its own HTTP API token (``Assistant.token``): ``get`` and ``parse`` send it,
``post`` only when asked (the REST channel is public), ``request`` exactly what it is given."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from bot.launcher import ROOT
from bot.tools.servers import Reply, api_headers, http_json
from bot.tools.servers import assistant as start_assistant
from tests.integration.widget_helpers import CHROMIUM, CHROMIUM_ARGS

MODEL = ROOT / "models" / "assistant.tar.gz"
# The widget's session tokens are signed with this in the test servers, so a test can make
# a token as old as it likes (tests/integration/test_widget_sessions.py).
SOCKET_SECRET = "test-socket-session-secret"


@dataclass
class Assistant:
    base_url: str
    action_url: str
    tracker_db: Path
    token: str = ""
    log: Path | None = None

    def request(
        self,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        timeout: float = 120,
    ) -> Reply:
        return http_json(self.base_url + path, data, headers, method, timeout)

    def post(
        self,
        path: str,
        data: bytes,
        content_type: str = "application/json",
        authorised: bool = False,
    ) -> Reply:
        headers = {"Content-Type": content_type, **api_headers(self.token if authorised else "")}
        return self.request(path, data, headers)

    def say(self, sender: str, message: object, **extra: object) -> Reply:
        payload = json.dumps({"sender": sender, "message": message, **extra}).encode("utf-8")
        return self.post("/webhooks/rest/webhook", payload)

    def parse(self, text: str) -> dict:
        return self.post("/model/parse", json.dumps({"text": text}).encode(), authorised=True).body

    def get(self, path: str) -> Reply:
        reply = self.request(path, headers=api_headers(self.token), timeout=30)
        assert reply.status == 200, (path, reply)
        return reply

    def user_texts(self, conversation_id: str) -> list[str]:
        events = self.get(f"/conversations/{conversation_id}/tracker").body["events"] or []
        return [e.get("text") for e in events if e.get("event") == "user"]

    def all_events(self, conversation_id: str) -> list[dict]:
        """Every stored event, also those before a restart (the API leaves them out)."""
        path = f"/conversations/{conversation_id}/tracker?include_events=ALL"
        return self.get(path).body["events"] or []

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log and self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        if not self.log:
            return ""
        with open(self.log, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    env = {"SOCKET_SESSION_SECRET": SOCKET_SECRET}
    with start_assistant(MODEL, tmp_path_factory.mktemp("assistant"), env=env) as running:
        yield Assistant(
            running.base_url,
            running.action_url,
            running.tracker_db,
            running.token,
            running.rasa_log,
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium (Debian's) for a module's browser tests. Not for the session:
    sync Playwright keeps an event loop running, which asyncio.run in other tests refuses."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
