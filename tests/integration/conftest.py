"""Starts a real action server and Rasa server once per test session, on free ports,
with a tracker store in a temporary SQLite file (``bot.evaluation.servers.assistant``)."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.evaluation.servers import assistant as start_assistant
from bot.launcher import ROOT

MODEL = ROOT / "models" / "assistant.tar.gz"


@dataclass
class Reply:
    status: int
    body: object


@dataclass
class Assistant:
    base_url: str
    action_url: str
    tracker_db: Path

    def post(self, path: str, data: bytes, content_type: str = "application/json") -> Reply:
        request = urllib.request.Request(
            self.base_url + path, data=data, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                return Reply(reply.status, json.loads(reply.read() or b"null"))
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            return Reply(error.code, body)

    def say(self, sender: str, message: object) -> Reply:
        payload = json.dumps({"sender": sender, "message": message}).encode("utf-8")
        return self.post("/webhooks/rest/webhook", payload)

    def parse(self, text: str) -> dict:
        return self.post("/model/parse", json.dumps({"text": text}).encode()).body

    def get(self, path: str) -> Reply:
        with urllib.request.urlopen(self.base_url + path, timeout=30) as reply:
            return Reply(reply.status, json.loads(reply.read()))


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    with start_assistant(MODEL, tmp_path_factory.mktemp("assistant")) as running:
        yield Assistant(running.base_url, running.action_url, running.tracker_db)
