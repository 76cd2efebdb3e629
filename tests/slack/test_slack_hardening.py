"""Findings 5 and 6 of issue 12 against the real server (signed requests, fake Slack Web API):
malformed signature headers gave a 500, slash commands and button clicks could be replayed
within the 5-minute window, and a message with a file attached got no reply at all."""

import json
import time
import urllib.parse

import pytest

from tests.slack.test_slack_server import QUIET, button_click, dm

pytestmark = pytest.mark.integration


def latin1(text: str) -> str:
    """``text``'s UTF-8 bytes as a header value (urllib sends header values as Latin-1)."""
    return text.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Slack-Request-Timestamp": latin1("\u00b2")}, 400),  # '²' is a digit to isdigit()
        ({"X-Slack-Request-Timestamp": "\u00b2"}, 400),
        ({"X-Slack-Request-Timestamp": latin1("\u0661\u0662\u0663")}, 400),  # Arabic digits
        ({"X-Slack-Signature": "v0=" + latin1("\u00e9") * 32}, 401),
        ({"X-Slack-Signature": "v0=\u00e9" + "0" * 63}, 401),
        ({"X-Slack-Signature": "v0=" + "A" * 64}, 401),
    ],
    ids=[
        "superscript-utf8",
        "superscript-latin1",
        "arabic-digits",
        "sig-utf8",
        "sig-latin1",
        "sig-upper",
    ],  # fmt: skip
)
def test_malformed_headers_are_refused_not_a_server_error(
    slack_bot, headers: dict, status: int
) -> None:
    signed = "X-Slack-Signature" not in headers  # else the client would sign over it
    _, reply = slack_bot.slack.event(dm("UHDR1", "DHDR1", "hello"), headers=headers, signed=signed)
    assert reply.status == status, reply
    assert json.loads(reply.body)["error"]
    time.sleep(1)
    assert slack_bot.api.attempts("DHDR1") == []


def command(user: str, channel: str, text: str, response_url: str) -> bytes:
    fields = {
        "command": "/coproduction",
        "text": text,
        "team_id": "T1",
        "user_id": user,
        "channel_id": channel,
        "response_url": response_url,
        "trigger_id": f"trigger-cmd-{time.time_ns()}",
    }
    return urllib.parse.urlencode(fields).encode()


def test_a_replayed_slash_command_is_answered_once(slack_bot) -> None:
    url = slack_bot.api.response_url("replay-cmd")
    body = command("URPL1", "CRPL1", "how many surveys?", url)
    stamp = int(time.time())  # the same signed request, sent again within the window
    first = slack_bot.slack.send(body, "application/x-www-form-urlencoded", timestamp=stamp)
    again = slack_bot.slack.send(body, "application/x-www-form-urlencoded", timestamp=stamp)
    assert first.status == 200 and again.status == 200
    slack_bot.api.wait_for(lambda: slack_bot.api.responses("replay-cmd"))
    time.sleep(QUIET)
    assert len(slack_bot.api.responses("replay-cmd")) == 1
    assert slack_bot.user_texts("slack:T1:URPL1:CRPL1", expect=1) == ["how many surveys?"]


def test_a_replayed_button_click_is_handled_once(slack_bot) -> None:
    thread = f"{int(time.time())}.000777"
    payload = button_click(
        slack_bot.api, "URPL2", "CRPL2", thread, "/value_efficiency", "2.", ts=thread
    )
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    stamp = int(time.time())
    for _ in range(3):
        reply = slack_bot.slack.send(body, "application/x-www-form-urlencoded", timestamp=stamp)
        assert reply.status == 200
    slack_bot.api.wait_for(lambda: slack_bot.api.posts("CRPL2"))
    time.sleep(QUIET)
    answers = [p for p in slack_bot.api.posts("CRPL2") if "Efficiency" in p.body["text"]]
    assert len(answers) == 1
    conversation = f"slack:T1:URPL2:CRPL2:{thread}"
    assert slack_bot.user_texts(conversation, expect=1) == ["/value_efficiency"]


FILE = {"id": "F1", "name": "notes.pdf", "mimetype": "application/pdf"}


def test_a_message_with_a_file_gets_its_text_answered(slack_bot) -> None:
    event = dm("UFIL1", "DFIL1", "how many surveys were submitted?", subtype="file_share")
    slack_bot.slack.event({**event, "files": [FILE]})
    posts = slack_bot.api.wait_for(lambda: slack_bot.api.posts("DFIL1"), count=2)
    said = [p.body["text"] for p in posts]
    assert "files" in said[0] and "573" not in said[0]  # first: files are not read
    assert any("573" in text for text in said[1:])  # then the answer to the text
    assert slack_bot.user_texts("slack:T1:UFIL1:DFIL1", expect=1) == [
        "how many surveys were submitted?"
    ]


def test_a_file_without_text_is_told_files_are_not_read(slack_bot) -> None:
    event = dm("UFIL2", "DFIL2", "", subtype="file_share")
    slack_bot.slack.event({**event, "files": [FILE]})
    (post,) = slack_bot.api.wait_for(lambda: slack_bot.api.posts("DFIL2"))
    assert "files" in post.body["text"]
    time.sleep(QUIET)
    assert len(slack_bot.api.posts("DFIL2")) == 1
    assert slack_bot.user_texts("slack:T1:UFIL2:DFIL2") == []
