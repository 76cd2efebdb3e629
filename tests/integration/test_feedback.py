"""Feedback on answers over REST and socket.io, against the real servers.

Feedback is the next user message (``/feedback{...}``, ``actions/feedback.py``): it is stored
with its entities, gets no reply, and changes nothing in the conversation, so a follow-up,
a pick from the last list or the tour's next step give what they give without it.
"""

import json
import uuid

import pytest
import yaml

from actions.feedback import MAX_COMMENT_CHARS, feedback_payload
from bot.launcher import ROOT
from tests.integration.conftest import Assistant
from tests.integration.socket_client import exchange, first, texts
from tests.servers import STEPS

pytestmark = pytest.mark.integration
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
INVALID = RESPONSES["utter_feedback_invalid"][0]["text"]


def said(reply) -> list[str]:
    assert reply.status == 200, reply
    return [m.get("text") or "" for m in reply.body]


def events(assistant: Assistant, sender: str) -> list[dict]:
    return assistant.get(f"/conversations/{sender}/tracker").body["events"]


def last_answer_id(assistant: Assistant, sender: str) -> str:
    answers = [
        e["metadata"]["answer_id"]
        for e in events(assistant, sender)
        if e.get("event") == "bot" and (e.get("metadata") or {}).get("answer_id")
    ]
    assert answers, "no content answer in the conversation"
    return answers[-1]


def slots(assistant: Assistant, sender: str) -> dict:
    return assistant.get(f"/conversations/{sender}/tracker").body["slots"]


def pair() -> tuple[str, str]:
    run = uuid.uuid4().hex[:8]
    return f"feedback-with-{run}", f"feedback-without-{run}"


@pytest.mark.parametrize(
    "question, follow_up",
    [
        ("how many storytellers had a disability?", "tell me more"),
        ("what are the five values?", "the second one"),
        ("how many surveys were submitted?", "where is that from?"),
    ],
)
def test_feedback_leaves_the_follow_up_as_it_was(
    assistant: Assistant, question: str, follow_up: str
) -> None:
    rated, plain = pair()
    for sender in (rated, plain):
        said(assistant.say(sender, question))
    before = slots(assistant, rated)
    rating = feedback_payload("not_helpful", last_answer_id(assistant, rated), "Too short for me")
    assert said(assistant.say(rated, rating)) == []  # the widget and Slack show the thanks
    assert slots(assistant, rated) == before
    assert said(assistant.say(rated, follow_up)) == said(assistant.say(plain, follow_up))


def test_feedback_mid_tour_lets_the_tour_go_on(assistant: Assistant) -> None:
    rated, plain = pair()
    for sender in (rated, plain):
        said(assistant.say(sender, "/tour_start"))
        said(assistant.say(sender, "/tour_next"))
        said(assistant.say(sender, "what are the five values?"))  # a question mid-tour
    rating = feedback_payload("helpful", last_answer_id(assistant, rated))
    assert said(assistant.say(rated, rating)) == []
    resumed = said(assistant.say(rated, "next"))
    assert resumed == said(assistant.say(plain, "next"))
    assert f"Step 3 of {STEPS}" in "\n".join(resumed)


def test_the_stored_message_is_the_record(assistant: Assistant) -> None:
    sender, _ = pair()
    said(assistant.say(sender, "what is co-production?"))
    answer_id = last_answer_id(assistant, sender)
    said(assistant.say(sender, feedback_payload("not_helpful", answer_id, "Needs an example")))
    user = [e for e in events(assistant, sender) if e.get("event") == "user"][-1]
    assert user["parse_data"]["intent"]["name"] == "feedback"
    values = {e["entity"]: e["value"] for e in user["parse_data"]["entities"]}
    assert values == {
        "rating": "not_helpful",
        "answer_id": answer_id,
        "comment": "Needs an example",
    }


@pytest.mark.parametrize(
    "payload",
    [
        '/feedback{"rating": "great", "answer_id": "0123456789ab"}',  # not one of the two
        '/feedback{"rating": "helpful"}',  # names no answer
        '/feedback{"rating": "helpful", "answer_id": "../../etc"}',
        feedback_payload("not_helpful", "0123456789ab", "x" * (MAX_COMMENT_CHARS + 1)),
        '/feedback{"rating": "helpful", "answer_id": ',  # malformed JSON
        "/feedback",
    ],
)
def test_malformed_feedback_gets_a_clear_reply(assistant: Assistant, payload: str) -> None:
    sender, _ = pair()
    said(assistant.say(sender, "what is co-production?"))
    before = slots(assistant, sender)
    assert said(assistant.say(sender, payload)) == [INVALID]
    assert slots(assistant, sender) == before
    assert said(assistant.say(sender, "tell me more"))  # the conversation goes on


def test_feedback_from_the_widget_over_socketio(assistant: Assistant) -> None:
    """The message the widget sends: no bubble comes back, and it is stored with its flag.

    (The widget's own controls, in Chromium, come with the conversation-controls work.)
    """
    session = first(exchange(assistant.base_url, [("session_request", None)]), "session_confirm")
    rejoin = ("session_request", {"session_id": session["session_id"], "token": session["token"]})
    asked = exchange(
        assistant.base_url,
        [rejoin, ("user_uttered", {"message": "how many surveys were submitted?"})],
    )
    assert any("573" in text for text in texts(asked))
    sender = session["conversation_id"]
    answer_id = last_answer_id(assistant, sender)
    rejoin = ("session_request", {**rejoin[1], "token": first(asked, "session_token")["token"]})
    message = {"message": feedback_payload("helpful", answer_id), "metadata": {"feedback": True}}
    rated = exchange(assistant.base_url, [rejoin, ("user_uttered", message)])
    assert texts(rated) == [] and any(name == "bot_done" for name, _ in rated)
    user = [e for e in events(assistant, sender) if e.get("event") == "user"][-1]
    assert user["metadata"].get("feedback") is True
    assert json.loads(user["text"].removeprefix("/feedback"))["answer_id"] == answer_id
