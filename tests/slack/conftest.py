"""A fake Slack Web API, plus a real action server and Rasa server with the Slack channel
pointed at it (once per test session, started by ``bot.tools.servers.assistant``)."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.launcher import ROOT
from bot.tools.servers import assistant, get_json
from tests.slack.fake_slack import FakeSlackApi, SlackClient

MODEL = ROOT / "models" / "assistant.tar.gz"
SIGNING_SECRET = "test-signing-secret-8f14e45fceea167a"
BOT_TOKEN = "xoxb-test-token"


@dataclass
class SlackBot:
    base_url: str
    api: FakeSlackApi
    slack: SlackClient
    token: str = ""
    endpoints: Path | None = None  # the server's endpoints file (its tracker store)

    def tracker(self, conversation_id: str) -> dict:
        return get_json(
            f"{self.base_url}/conversations/{conversation_id}/tracker", token=self.token
        )

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
    credentials = work / "credentials.yml"
    credentials.write_text(
        "bot.channels.rest.ValidatingRestInput:\nbot.channels.slack.SlackChannel:\n"
    )
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    with assistant(MODEL, work, credentials, env) as server:
        yield SlackBot(
            server.base_url,
            fake_slack,
            SlackClient(f"{server.base_url}/webhooks/slack/webhook", SIGNING_SECRET),
            server.token,
            server.tracker_db.parent / "endpoints.yml",
        )
