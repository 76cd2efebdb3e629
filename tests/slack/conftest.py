"""A fake Slack Web API, plus a real action server and Rasa server with the Slack channel
pointed at it (once per test session, on free ports, tracker in a temporary SQLite file)."""

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
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
from tests.slack.fake_slack import FakeSlackApi, SlackClient

MODEL = ROOT / "models" / "assistant.tar.gz"
SIGNING_SECRET = "test-signing-secret-8f14e45fceea167a"
BOT_TOKEN = "xoxb-test-token"


@dataclass
class SlackBot:
    base_url: str
    api: FakeSlackApi
    slack: SlackClient

    def tracker(self, conversation_id: str) -> dict:
        url = f"{self.base_url}/conversations/{conversation_id}/tracker"
        with urllib.request.urlopen(url, timeout=30) as reply:
            return json.loads(reply.read())

    def user_texts(self, conversation_id: str, expect: int = 0, timeout: float = 30) -> list[str]:
        """The user messages the tracker holds, after waiting for at least ``expect``.

        Rasa saves the tracker after the turn's replies are sent, so poll for it.
        """
        deadline = time.monotonic() + timeout
        while True:
            events = self.tracker(conversation_id).get("events") or []
            texts = [e.get("text") for e in events if e.get("event") == "user"]
            if len(texts) >= expect or time.monotonic() > deadline:
                return texts
            time.sleep(0.2)


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlackApi]:
    api = FakeSlackApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def slack_bot(
    tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlackApi
) -> Iterator[SlackBot]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    work: Path = tmp_path_factory.mktemp("slack")
    rasa_port, action_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{work / "tracker.db"}"\n'
    )
    credentials = work / "credentials.yml"
    credentials.write_text(
        "bot.channels.rest.ValidatingRestInput:\nbot.channels.slack.SlackChannel:\n"
    )
    command = rasa_command(str(MODEL), "127.0.0.1", rasa_port, str(endpoints))
    command[command.index("--credentials") + 1] = str(credentials)
    env = server_env() | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    logs = [open(work / "actions.log", "w"), open(work / "rasa.log", "w")]  # noqa: SIM115
    processes = [
        subprocess.Popen(
            action_command(action_port), cwd=ROOT, env=env, stdout=logs[0], stderr=logs[0]
        ),
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[1], stderr=logs[1]),
    ]
    base = f"http://127.0.0.1:{rasa_port}"
    try:
        up = wait_until_up(f"{base}/status", 240, processes) and wait_until_up(
            f"http://127.0.0.1:{action_port}/health", 60, processes
        )
        if not up:
            pytest.fail("servers did not start:\n" + (work / "rasa.log").read_text()[-3000:])
        yield SlackBot(
            base, fake_slack, SlackClient(f"{base}/webhooks/slack/webhook", SIGNING_SECRET)
        )
    finally:
        stop(processes)
        for log in logs:
            log.close()
