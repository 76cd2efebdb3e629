"""The channel in-process: configuration, refusals, dedupe, and retried sends to a fake Slack."""

import asyncio
import json
import time
import urllib.parse

import pytest

from bot.channels.slack import SlackChannel, SlackSettings
from bot.channels.slack_api import RetryPolicy, SlackSender
from bot.channels.slack_verify import signature
from tests.slack.fake_slack import Failure, FakeSlackApi

SECRET = "unit-secret"
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def api():
    fake = FakeSlackApi().start()
    yield fake
    fake.stop()


def signed(body: bytes, content_type: str = "application/json; charset=utf-8", **extra: str):
    stamp = str(int(time.time()))
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature(SECRET, stamp, body),
        **extra,
    }


def run(channel: SlackChannel, headers: dict, body: bytes, received: list):
    async def on_new_message(message) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")

    async def go():
        reply = await channel.handle(headers, body, None, on_new_message)
        await asyncio.gather(*channel._tasks)
        return reply

    return asyncio.run(go())


def dm(event_id: str, text: str = "hello") -> bytes:
    event = {"type": "message", "channel_type": "im", "user": "U1", "channel": "D1", "text": text}
    return json.dumps({"type": "event_callback", "event_id": event_id, "event": event}).encode()


def test_settings_come_from_the_environment():
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert settings.missing == ["SLACK_SIGNING_SECRET"]
    assert settings.api_url == "https://slack.com/api/"
    assert SlackSettings.from_env({}).missing == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]


def test_unconfigured_channel_answers_503_and_processes_nothing(monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    channel = SlackChannel.from_credentials(None)
    received: list = []
    reply = run(channel, signed(dm("Ev1")), dm("Ev1"), received)
    assert reply.status == 503
    assert b"SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in reply.body
    assert received == []


def test_events_with_charset_are_handled_and_retries_answered_once(api):
    channel = SlackChannel(SlackSettings("xoxb-1", SECRET, api.api_url), FAST)
    received: list = []
    first = run(channel, signed(dm("Ev1")), dm("Ev1"), received)
    retry_headers = signed(
        dm("Ev1"), **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_error"}
    )
    retry = run(channel, retry_headers, dm("Ev1"), received)
    assert (first.status, retry.status) == (200, 200)
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    assert [m.text for m in received] == ["hello"]
    posts = api.posts("D1")
    assert len(posts) == 1 and posts[0].body["text"] == "echo hello"
    assert posts[0].headers["authorization"] == "Bearer xoxb-1"


def test_bad_requests_are_refused_before_parsing(api):
    channel = SlackChannel(SlackSettings("xoxb-1", SECRET, api.api_url), FAST)
    received: list = []
    body = dm("Ev2")
    forged = {**signed(body), "x-slack-signature": "v0=" + "0" * 64}
    assert run(channel, forged, body, received).status == 401
    assert run(channel, signed(b"not json"), b"not json", received).status == 400
    assert run(channel, signed(body, "text/plain"), body, received).status == 415
    assert received == [] and api.snapshot() == []


def test_url_verification_returns_the_challenge(api):
    channel = SlackChannel(SlackSettings("xoxb-1", SECRET, api.api_url), FAST)
    body = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    reply = run(channel, signed(body, "application/json"), body, [])
    assert json.loads(reply.body) == {"challenge": "abc123"}


def test_slash_command_replies_once_through_response_url(api):
    channel = SlackChannel(SlackSettings("xoxb-1", SECRET, api.api_url), FAST)
    fields = {
        "command": "/coproduction",
        "text": "how many surveys?",
        "team_id": "T1",
        "user_id": "U1",
        "channel_id": "C1",
        "response_url": api.response_url("cmd1"),
    }
    body = urllib.parse.urlencode(fields).encode()
    received: list = []
    reply = run(channel, signed(body, "application/x-www-form-urlencoded"), body, received)
    assert reply.status == 200 and reply.body == b""
    assert [m.sender_id for m in received] == ["slack:T1:U1:C1"]
    (response,) = api.responses("cmd1")
    assert response.body["response_type"] == "ephemeral"
    assert response.body["text"] == "echo how many surveys?"


def test_failed_post_is_retried_with_backoff(api, caplog):
    api.fail_next(
        "chat.postMessage",
        Failure(500, {"ok": False, "error": "internal_error"}),
        Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}),
    )
    outcome = asyncio.run(
        SlackSender("xoxb-1", api.api_url, FAST).post_message("C9", {"text": "hi"})
    )
    assert outcome.ok
    assert [c.status for c in api.attempts("C9")] == [500, 429, 200]
    assert "internal_error" in caplog.text and "retrying" in caplog.text


def test_permanent_errors_are_logged_not_retried(api, caplog):
    api.fail_next("chat.postMessage", Failure(200, {"ok": False, "error": "channel_not_found"}))
    outcome = asyncio.run(
        SlackSender("xoxb-1", api.api_url, FAST).post_message("C8", {"text": "hi"})
    )
    assert not outcome.ok and outcome.error == "channel_not_found"
    assert len(api.attempts("C8")) == 1
    assert "channel_not_found" in caplog.text


def test_retries_are_bounded(api):
    api.fail_next(
        "chat.postMessage", *[Failure(503, {"ok": False, "error": "service_unavailable"})] * 5
    )
    outcome = asyncio.run(
        SlackSender("xoxb-1", api.api_url, FAST).post_message("C7", {"text": "hi"})
    )
    assert not outcome.ok
    assert len(api.attempts("C7")) == FAST.attempts


def test_rejected_blocks_fall_back_to_plain_text(api):
    api.fail_next("chat.postMessage", Failure(200, {"ok": False, "error": "invalid_blocks"}))
    message = {"text": "fallback", "blocks": [{"type": "section"}]}
    outcome = asyncio.run(SlackSender("xoxb-1", api.api_url, FAST).post_message("C6", message))
    assert outcome.ok
    (post,) = api.posts("C6")
    assert post.body["text"] == "fallback" and "blocks" not in post.body
