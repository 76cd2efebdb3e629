"""Signed Slack requests over HTTP to a real Rasa server; replies read from the fake Slack API."""

import itertools
import json
import time

import pytest

from tests.slack.fake_slack import Failure

pytestmark = pytest.mark.integration

QUIET = 3.0  # seconds to wait for a reply that must not come
_ts = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ts):06d}"


def dm(user: str, channel: str, text: str, **extra: object) -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "channel": channel,
        "text": text,
        "ts": new_ts(),
        **extra,
    }


def all_text(calls) -> str:
    return "\n".join(json.dumps(c.body) for c in calls)


def test_direct_message_is_answered_in_the_dm(slack_bot):
    _, reply = slack_bot.slack.event(dm("UDM1", "DDM1", "how many surveys were submitted?"))
    assert reply.status == 200
    post = slack_bot.api.wait_for(lambda: slack_bot.api.posts("DDM1"))[0]
    assert post.headers["authorization"] == "Bearer xoxb-test-token"
    assert "thread_ts" not in post.body  # a top-level DM is answered at top level
    assert "573" in post.body["text"]
    section = post.body["blocks"][0]["text"]
    assert section["type"] == "mrkdwn"
    assert "*573 online surveys*" in section["text"] and "**" not in section["text"]
    assert slack_bot.user_texts("slack:T1:UDM1:DDM1", expect=1) == [
        "how many surveys were submitted?"
    ]


def test_mention_in_a_channel_is_answered_in_its_thread_with_buttons(slack_bot):
    event = {
        "type": "app_mention",
        "user": "UMEN1",
        "channel": "CMEN1",
        "text": "<@UBOT> what are the five values?",
        "ts": new_ts(),
    }
    slack_bot.slack.event(event)
    post = slack_bot.api.wait_for(lambda: slack_bot.api.posts("CMEN1"))[0]
    assert post.body["thread_ts"] == event["ts"]
    actions = [b for b in post.body["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in actions[0]["elements"]][:2] == [
        "/value_outcomes",
        "/value_efficiency",
    ]
    assert "Options:\n• Value 1: outcomes that matter" in post.body["text"]  # plain-text fallback
    conversation = f"slack:T1:UMEN1:CMEN1:{event['ts']}"
    assert slack_bot.user_texts(conversation, expect=1) == ["what are the five values?"]


def button_click(
    api, user: str, channel: str, thread: str, value: str, title: str, ts: str | None = None
) -> dict:
    """A ``block_actions`` payload: ``user`` pressed a button of the bot's message in
    ``thread`` whose value is the Rasa payload ``value``."""
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
        "message": {"ts": ts or new_ts(), "thread_ts": thread, "user": "UBOT"},
        "response_url": api.response_url(f"{user}-button"),
        "trigger_id": f"trigger-{time.time_ns()}",
        "actions": [
            {
                "type": "button",
                "action_id": "rasa_button_1",
                "value": value,
                "text": {"type": "plain_text", "text": title},
            }
        ],
    }


def test_button_click_continues_the_threads_conversation(slack_bot):
    thread = new_ts()
    payload = button_click(slack_bot.api, "UBTN1", "CBTN1", thread, "/value_efficiency", "2.")
    reply = slack_bot.slack.form({"payload": json.dumps(payload)})
    assert reply.status == 200
    posts = slack_bot.api.wait_for(lambda: slack_bot.api.posts("CBTN1"))
    post = posts[0]
    assert post.body["thread_ts"] == thread
    assert "*Value 2: Efficiency, in the long run*" in post.body["blocks"][0]["text"]["text"]
    assert slack_bot.user_texts(f"slack:T1:UBTN1:CBTN1:{thread}", expect=1) == ["/value_efficiency"]
    assert all(p.body["thread_ts"] == thread for p in posts)
    assert slack_bot.api.responses("UBTN1-button") == []


def test_slash_command_answers_ephemerally(slack_bot):
    reply = slack_bot.slack.form(
        {
            "command": "/coproduction",
            "text": "how many surveys?",
            "team_id": "T1",
            "user_id": "UCMD1",
            "channel_id": "CCMD1",
            "response_url": slack_bot.api.response_url("cmd1"),
            "trigger_id": "1.2.3",
        }
    )
    assert (reply.status, reply.body) == (200, "")
    (response,) = slack_bot.api.wait_for(lambda: slack_bot.api.responses("cmd1"))
    assert response.body["response_type"] == "ephemeral"
    assert "573" in response.body["text"]
    assert slack_bot.api.posts("CCMD1") == []


def test_url_verification_challenge(slack_bot):
    reply = slack_bot.slack.json({"type": "url_verification", "token": "x", "challenge": "c-42"})
    assert reply.status == 200
    assert reply.json() == {"challenge": "c-42"}


def test_retried_event_is_answered_once(slack_bot):
    event = dm("URTY1", "DRTY1", "how many surveys were submitted?")
    event_id, first = slack_bot.slack.event(event)
    retries = [
        slack_bot.slack.event(
            event,
            event_id=event_id,
            headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": reason},
        )[1]
        for n, reason in ((1, "http_error"), (2, "http_timeout"), (3, "unknown_error"))
    ]
    assert first.status == 200 and all(r.status == 200 for r in retries)
    assert all(r.headers.get("X-Slack-No-Retry") == "1" for r in retries)
    slack_bot.api.wait_for(lambda: slack_bot.api.posts("DRTY1"))
    time.sleep(QUIET)
    answers = [p for p in slack_bot.api.posts("DRTY1") if "573" in p.body["text"]]
    assert len(answers) == 1
    assert slack_bot.user_texts("slack:T1:URTY1:DRTY1", expect=1) == [
        "how many surveys were submitted?"
    ]


def test_bad_signature_is_refused_and_nothing_processed(slack_bot):
    _, reply = slack_bot.slack.event(dm("UBAD1", "DBAD1", "hello"), secret="wrong-secret")
    assert reply.status == 401
    _, unsigned = slack_bot.slack.event(dm("UBAD1", "DBAD1", "hello"), signed=False)
    assert unsigned.status == 401
    time.sleep(QUIET)
    assert slack_bot.api.attempts("DBAD1") == []
    assert slack_bot.user_texts("slack:T1:UBAD1:DBAD1") == []


def test_stale_timestamp_is_refused_and_nothing_processed(slack_bot):
    stale = int(time.time()) - 6 * 60
    _, reply = slack_bot.slack.event(dm("UOLD1", "DOLD1", "hello"), timestamp=stale)
    assert reply.status == 400
    time.sleep(QUIET)
    assert slack_bot.api.attempts("DOLD1") == []
    assert slack_bot.user_texts("slack:T1:UOLD1:DOLD1") == []


def test_own_and_other_bots_messages_are_ignored(slack_bot):
    own = dm("UBOT", "DOWN1", "Here is the link you asked for:", bot_id="BBOT")
    other = dm("UOTHER", "DOWN1", "beep", bot_id="BOTHER", subtype="bot_message")
    assert slack_bot.slack.event(own)[1].status == 200
    assert slack_bot.slack.event(other)[1].status == 200
    time.sleep(QUIET)
    assert slack_bot.api.attempts("DOWN1") == []
    assert slack_bot.user_texts("slack:T1:UBOT:DOWN1") == []


def test_failed_post_message_is_retried(slack_bot):
    slack_bot.api.fail_next(
        "chat.postMessage",
        Failure(500, {"ok": False, "error": "internal_error"}, channel="DFAIL1"),
        Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}, "DFAIL1"),
    )
    slack_bot.slack.event(dm("UFAIL1", "DFAIL1", "how many surveys were submitted?"))
    slack_bot.api.wait_for(lambda: slack_bot.api.posts("DFAIL1"))
    time.sleep(QUIET)
    attempts = slack_bot.api.attempts("DFAIL1")
    assert [c.status for c in attempts][:3] == [500, 429, 200]
    assert len({json.dumps(c.body) for c in attempts[:3]}) == 1  # the same message, resent
    answers = [p for p in slack_bot.api.posts("DFAIL1") if "573" in p.body["text"]]
    assert len(answers) == 1
