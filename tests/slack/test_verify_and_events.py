"""Signature checks, and which Slack requests become conversation turns."""

import time

from bot.channels.slack_events import (
    RecentIds,
    turn_from_command,
    turn_from_event,
    turn_from_interaction,
)
from bot.channels.slack_verify import check_request, signature

SECRET = "s3cret"
BODY = b'{"type":"event_callback"}'


def headers(timestamp: int, sig: str) -> dict[str, str]:
    return {"x-slack-request-timestamp": str(timestamp), "x-slack-signature": sig}


def test_a_fresh_correct_signature_passes():
    now = int(time.time())
    assert check_request(SECRET, headers(now, signature(SECRET, str(now), BODY)), BODY) is None


def test_wrong_missing_or_stale_signatures_are_refused():
    now = int(time.time())
    good = signature(SECRET, str(now), BODY)
    assert check_request("other", headers(now, good), BODY + b" ").status == 401
    assert check_request(SECRET, headers(now, good), BODY + b" ").status == 401
    assert check_request(SECRET, {"x-slack-request-timestamp": str(now)}, BODY).status == 401
    assert check_request(SECRET, {"x-slack-signature": good}, BODY).status == 400
    stale = now - 301
    assert (
        check_request(SECRET, headers(stale, signature(SECRET, str(stale), BODY)), BODY).status
        == 400
    )
    ahead = now + 301
    assert (
        check_request(SECRET, headers(ahead, signature(SECRET, str(ahead), BODY)), BODY).status
        == 400
    )


def envelope(**event: object) -> dict:
    return {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "Ev1",
        "authorizations": [{"user_id": "UBOT", "is_bot": True}],
        "event": {"ts": "1700000000.000100", "team": "T1", **event},
    }


def test_direct_message_is_answered_at_top_level():
    turn = turn_from_event(
        envelope(type="message", channel_type="im", user="U1", channel="D1", text="hello")
    )
    assert (turn.text, turn.conversation_id, turn.channel, turn.thread_ts) == (
        "hello",
        "slack:T1:U1:D1",
        "D1",
        None,
    )


def test_mention_is_answered_in_its_thread_without_the_mention():
    turn = turn_from_event(
        envelope(type="app_mention", user="U1", channel="C1", text="<@UBOT> how many surveys?")
    )
    assert turn.text == "how many surveys?"
    assert turn.thread_ts == "1700000000.000100"
    assert turn.conversation_id == "slack:T1:U1:C1:1700000000.000100"
    in_thread = turn_from_event(
        envelope(type="app_mention", user="U1", channel="C1", text="<@UBOT> more", thread_ts="1.5")
    )
    assert in_thread.thread_ts == "1.5"


def test_bots_edits_and_plain_channel_messages_are_ignored():
    base = {"type": "message", "channel_type": "im", "channel": "D1", "text": "hi"}
    assert turn_from_event(envelope(**base, user="UBOT")) is None
    assert turn_from_event(envelope(**base, user="U2", bot_id="B2")) is None
    assert turn_from_event(envelope(**base, subtype="bot_message")) is None
    assert turn_from_event(envelope(**base, user="U1", subtype="message_changed")) is None
    channel_message = {**base, "channel_type": "channel", "user": "U1"}
    assert turn_from_event(envelope(**channel_message)) is None


def test_button_click_continues_the_conversation_of_its_message():
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "container": {"type": "message", "channel_id": "C1", "is_ephemeral": False},
        "message": {"ts": "1700000001.000200", "thread_ts": "1700000000.000100"},
        "response_url": "https://hooks.slack.com/actions/x",
        "actions": [{"type": "button", "value": "/values_list", "text": {"text": "Values"}}],
    }
    turn = turn_from_interaction(payload)
    assert turn.text == "/values_list"
    assert turn.conversation_id == "slack:T1:U1:C1:1700000000.000100"
    assert turn.response_url is None
    link = {**payload, "actions": [{"type": "button", "url": "https://x.org"}]}
    assert turn_from_interaction(link) is None
    ephemeral = {**payload, "container": {"channel_id": "C1", "is_ephemeral": True}}
    ephemeral.pop("message")
    assert turn_from_interaction(ephemeral).response_url == "https://hooks.slack.com/actions/x"


def test_slash_command_answers_through_its_response_url():
    turn = turn_from_command(
        {
            "command": "/coproduction",
            "text": "how many surveys?",
            "team_id": "T1",
            "user_id": "U1",
            "channel_id": "C1",
            "response_url": "https://hooks.slack.com/commands/x",
        }
    )
    assert (turn.text, turn.conversation_id, turn.response_url) == (
        "how many surveys?",
        "slack:T1:U1:C1",
        "https://hooks.slack.com/commands/x",
    )


def test_odd_ids_are_refused():
    turn = turn_from_event(
        envelope(type="message", channel_type="im", user="U1/../x", channel="D1", text="hi")
    )
    assert turn is None


def test_recent_ids_remember_within_their_window():
    seen = RecentIds(ttl=10, size=3)
    assert seen.first_time("a", now=0)
    assert not seen.first_time("a", now=5)
    assert seen.first_time("a", now=20)
    for key in "bcd":
        assert seen.first_time(key, now=21)
    assert seen.first_time("a", now=22)  # evicted: only the newest 3 are kept


def test_malformed_headers_are_refusals_not_errors():
    """Issue 12: '²' passed isdigit() and a non-ASCII signature broke compare_digest (500)."""
    now = int(time.time())
    good = signature(SECRET, str(now), BODY)
    for stamp in ("\u00b2", "\u0661\u0662\u0663", "12a", " ", "1" * 13, "-5"):
        refusal = check_request(
            SECRET, headers(0, good) | {"x-slack-request-timestamp": stamp}, BODY
        )
        assert refusal and refusal.status == 400, stamp
    for sent in ("v0=\u00e9" + "0" * 63, "v0=" + "\udce9" * 64, "v0=" + "A" * 64, "v1=" + "0" * 64):
        assert check_request(SECRET, headers(now, sent), BODY).status == 401, sent


def test_a_file_share_is_a_turn_that_knows_its_files():
    event = dict(type="message", channel_type="im", user="U1", channel="D1", text="hi")
    shared = turn_from_event(envelope(**event, subtype="file_share", files=[{"id": "F1"}]))
    assert shared.text == "hi" and shared.files == 1
    mention = turn_from_event(
        envelope(type="app_mention", user="U1", channel="C1", text="<@UBOT> hi", files=[{}, {}])
    )
    assert mention.files == 2
    assert turn_from_event(envelope(**event)).files == 0
