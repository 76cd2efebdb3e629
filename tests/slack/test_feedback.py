"""Feedback buttons on content answers in Slack, through signed requests to the real server."""

import json

import pytest
import yaml

from bot.launcher import ROOT
from bot.tools.review import cli
from tests.slack.test_slack_server import QUIET, dm, new_ts

pytestmark = pytest.mark.integration
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def word(name: str) -> str:
    return RESPONSES[name][0]["text"]


def click(slack_bot, user: str, channel: str, message: dict, button: dict) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
        "message": message,
        "response_url": slack_bot.api.response_url(f"fb-{channel}"),
        "trigger_id": "1.2.3",
        "actions": [{**button, "type": "button"}],
    }
    assert slack_bot.slack.form({"payload": json.dumps(payload)}).status == 200


def feedback_buttons(post) -> list[dict]:
    blocks = [b for b in post.body["blocks"] if b.get("block_id") == "feedback"]
    return blocks[0]["elements"] if blocks else []


def test_a_content_answer_carries_feedback_buttons_and_a_click_thanks(slack_bot):
    user, channel = "UFB1", "DFB1"
    slack_bot.slack.event(dm(user, channel, "how many surveys were submitted?"))
    post = slack_bot.api.wait_for(lambda: slack_bot.api.posts(channel))[0]
    assert "573" in post.body["text"]
    buttons = feedback_buttons(post)
    assert [b["text"]["text"] for b in buttons] == [
        word("utter_feedback_helpful"),
        word("utter_feedback_not_helpful"),
    ]
    conversation = f"slack:T1:{user}:{channel}"
    bot_events = [e for e in slack_bot.tracker(conversation)["events"] if e["event"] == "bot"]
    answer_id = bot_events[0]["metadata"]["answer_id"]
    assert json.loads(buttons[1]["value"].removeprefix("/feedback")) == {
        "rating": "not_helpful",
        "answer_id": answer_id,
    }

    answer_ts = new_ts()
    message = {
        "ts": answer_ts,
        "user": "UBOT",
        "text": post.body["text"],
        "blocks": post.body["blocks"],
    }
    click(slack_bot, user, channel, message, buttons[1])
    updates = slack_bot.api.wait_for(
        lambda: [c for c in slack_bot.api.snapshot() if c.method == "chat.update"]
    )
    update = [u for u in updates if u.body.get("ts") == answer_ts][0]
    assert update.body["channel"] == channel
    assert word("utter_feedback_thanks") in json.dumps(update.body["blocks"])
    assert not [b for b in update.body["blocks"] if b.get("block_id") == "feedback"]
    assert update.body["blocks"][0] == post.body["blocks"][0]  # the answer itself stays
    texts = slack_bot.user_texts(conversation, expect=2)
    assert texts[-1] == buttons[1]["value"]

    slack_bot.api.wait_for(lambda: [], timeout=QUIET)
    assert len(slack_bot.api.posts(channel)) == 1  # no message for the feedback itself
    # the follow-up is answered as in a conversation without feedback
    slack_bot.slack.event(dm(user, channel, "where is that from?"))
    source = slack_bot.api.wait_for(lambda: slack_bot.api.posts(channel), count=2)[1]
    slack_bot.slack.event(dm("UFB3", "DFB3", "how many surveys were submitted?"))
    slack_bot.api.wait_for(lambda: slack_bot.api.posts("DFB3"))
    slack_bot.slack.event(dm("UFB3", "DFB3", "where is that from?"))
    plain = slack_bot.api.wait_for(lambda: slack_bot.api.posts("DFB3"), count=2)[1]
    assert source.body["text"] == plain.body["text"]


def test_the_review_reads_slack_feedback(slack_bot, tmp_path):
    user, channel = "UFB4", "DFB4"
    slack_bot.slack.event(dm(user, channel, "what are the five values?"))
    post = slack_bot.api.wait_for(lambda: slack_bot.api.posts(channel))[0]
    message = {
        "ts": new_ts(),
        "user": "UBOT",
        "text": post.body["text"],
        "blocks": post.body["blocks"],
    }
    click(slack_bot, user, channel, message, feedback_buttons(post)[1])
    slack_bot.user_texts(f"slack:T1:{user}:{channel}", expect=2)
    arguments = ["--since", "1d", "--out", str(tmp_path), "--key", str(tmp_path / "key"),
                 "--endpoints", str(slack_bot.endpoints)]  # fmt: skip
    assert cli.main(arguments) == 0
    markdown = (tmp_path / "review.md").read_text(encoding="utf-8")
    assert "| what are the five values? | The five values: " in markdown
    assert "Slack" in markdown.split("| Day (UTC) |")[1].splitlines()[0]  # a channel column
    assert user not in markdown and channel not in markdown


def test_answers_that_are_not_content_have_no_feedback_buttons(slack_bot):
    slack_bot.slack.event(dm("UFB2", "DFB2", "hello"))
    post = slack_bot.api.wait_for(lambda: slack_bot.api.posts("DFB2"))[0]
    assert feedback_buttons(post) == []
