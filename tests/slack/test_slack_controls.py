"""Conversation controls in Slack (issue 13), through signed requests to the real server:
"start over" and ``/coproduction restart`` begin a fresh conversation in that DM or thread,
and a tour button of an older message acts on the step it was shown at."""

import json
import urllib.request

import pytest

from bot.tools.servers import api_headers
from tests.servers import STEPS
from tests.slack.test_slack_server import button_click, dm, new_ts

pytestmark = pytest.mark.integration
RESTARTED = "New conversation started"


def events(slack_bot, conversation: str) -> list[dict]:
    """Every stored event, also those before a restart (the API's default leaves them out)."""
    url = f"{slack_bot.base_url}/conversations/{conversation}/tracker?include_events=ALL"
    request = urllib.request.Request(url, headers=api_headers(slack_bot.token))
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read()).get("events") or []


def user_texts(slack_bot, conversation: str) -> list[str]:
    return [e.get("text") for e in events(slack_bot, conversation) if e["event"] == "user"]


def wait_for_post(slack_bot, channel: str, count: int, text: str) -> dict:
    posts = slack_bot.api.wait_for(
        lambda: [p for p in slack_bot.api.posts(channel) if text in p.body["text"]][count - 1 :]
    )
    return posts[0]


def test_start_over_in_a_dm_begins_a_fresh_conversation(slack_bot):
    conversation = "slack:T1:URST1:DRST1"
    slack_bot.slack.event(dm("URST1", "DRST1", "/tour_start"))
    wait_for_post(slack_bot, "DRST1", 1, f"Step 1 of {STEPS}")
    slack_bot.slack.event(dm("URST1", "DRST1", "next"))
    wait_for_post(slack_bot, "DRST1", 1, f"Step 2 of {STEPS}")
    slack_bot.slack.event(dm("URST1", "DRST1", "start over"))
    post = wait_for_post(slack_bot, "DRST1", 1, RESTARTED)
    values = [
        e["value"] for b in post.body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "/values_list" in values  # something to do next, as Slack buttons
    names = [e["event"] for e in events(slack_bot, conversation)]
    assert "restart" in names  # Rasa's own Restarted event: the old turns stay stored
    # the fresh conversation has no tour to resume and no earlier topic
    slack_bot.slack.event(dm("URST1", "DRST1", "continue the tour"))
    reply = slack_bot.api.wait_for(
        lambda: [p for p in slack_bot.api.posts("DRST1") if f"Step 1 of {STEPS}" in p.body["text"]][
            1:
        ]
    )
    assert reply  # it starts again from step 1, not at step 2 where the old tour was


def test_slash_command_restart_begins_a_fresh_conversation(slack_bot):
    conversation = "slack:T1:UCRS1:DCRS1"
    slack_bot.slack.event(dm("UCRS1", "DCRS1", "what are the five values?"))
    wait_for_post(slack_bot, "DCRS1", 1, "Value 1")
    command = {
        "command": "/coproduction",
        "text": "restart",
        "team_id": "T1",
        "user_id": "UCRS1",
        "channel_id": "DCRS1",
        "response_url": slack_bot.api.response_url("crs1"),
        "trigger_id": "1.2.3",
    }
    assert slack_bot.slack.form(command).status == 200
    (response,) = slack_bot.api.wait_for(lambda: slack_bot.api.responses("crs1"))
    assert RESTARTED in response.body["text"]
    assert user_texts(slack_bot, conversation)[-1] == "/restart"
    assert [e["event"] for e in events(slack_bot, conversation)].count("restart") == 1


def test_an_older_tour_button_acts_on_its_own_step(slack_bot):
    thread = new_ts()
    conversation = f"slack:T1:UTRB1:CTRB1:{thread}"
    mention = {"type": "app_mention", "user": "UTRB1", "channel": "CTRB1",
               "text": "<@UBOT> give me the tour", "ts": thread}  # fmt: skip
    slack_bot.slack.event(mention)
    first = wait_for_post(slack_bot, "CTRB1", 1, f"Step 1 of {STEPS}")
    buttons = {
        e["text"]["text"]: e["value"]
        for b in first.body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert list(buttons)[:3] == ["1. Next", "2. Skip this section", "3. Stop the tour"]

    def click(value: str, title: str) -> None:
        payload = button_click(slack_bot.api, "UTRB1", "CTRB1", thread, value, title)
        assert slack_bot.slack.form({"payload": json.dumps(payload)}).status == 200

    click(buttons["1. Next"], "1. Next")
    wait_for_post(slack_bot, "CTRB1", 1, f"Step 2 of {STEPS}")
    click(buttons["1. Next"].replace("what", "why"), "1. Next")  # step 2's own Next
    wait_for_post(slack_bot, "CTRB1", 1, f"Step 3 of {STEPS}")
    click(buttons["1. Next"], "1. Next")  # step 1's Next again, now at step 3
    wait_for_post(slack_bot, "CTRB1", 2, f"Step 2 of {STEPS}")
    slots = slack_bot.tracker(conversation)["slots"]
    assert slots["tour_step"] == "why"
