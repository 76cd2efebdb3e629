"""Starts a real action server and Rasa server once per test session, on free ports,
with a tracker store in a temporary SQLite file."""

import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.launcher import (
    ROOT,
    action_command,
    free_port,
    rasa_command,
    server_env,
    stop,
    wait_until_up,
)

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
    work = tmp_path_factory.mktemp("assistant")
    rasa_port, action_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{work / "tracker.db"}"\n'
    )
    env = server_env()
    logs = [open(work / "actions.log", "w"), open(work / "rasa.log", "w")]  # noqa: SIM115
    processes = [
        subprocess.Popen(
            action_command(action_port), cwd=ROOT, env=env, stdout=logs[0], stderr=logs[0]
        ),
        subprocess.Popen(
            rasa_command(str(MODEL), "127.0.0.1", rasa_port, str(endpoints)),
            cwd=ROOT,
            env=env,
            stdout=logs[1],
            stderr=logs[1],
        ),
    ]
    base = f"http://127.0.0.1:{rasa_port}"
    try:
        up = wait_until_up(f"{base}/status", 240, processes) and wait_until_up(
            f"http://127.0.0.1:{action_port}/health", 60, processes
        )
        if not up:
            pytest.fail("servers did not start:\n" + (work / "rasa.log").read_text()[-3000:])
        yield Assistant(base, f"http://127.0.0.1:{action_port}", work / "tracker.db")
    finally:
        stop(processes)
        for log in logs:
            log.close()
