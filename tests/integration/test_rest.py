"""The assistant over real HTTP: a real Rasa server and action server (see conftest)."""

import json
import uuid

import pytest

from tests.integration.conftest import Assistant

pytestmark = pytest.mark.integration


def sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def text_of(reply) -> str:
    return "\n".join(m.get("text") or "" for m in reply.body)


def test_survey_count_with_its_source(assistant: Assistant) -> None:
    reply = assistant.say(sender(), "how many surveys were submitted?")
    assert reply.status == 200
    assert "573" in text_of(reply)
    assert "From: *Section 2 › Our Evidence Base" in text_of(reply)


def test_noreens_story_link(assistant: Assistant) -> None:
    reply = assistant.say(sender(), "can I hear Noreen's story?")
    assert (
        "[Noreen's story (on the project page)](https://www.coproductioncollective.co.uk/"
        in text_of(reply)
    )


@pytest.mark.parametrize(
    "question",
    ["who will win the league?", "how much are UCL staff paid?", "what is the value of the pound?"],
)
def test_off_topic_is_declined_with_a_standard_intent(assistant: Assistant, question: str) -> None:
    assert assistant.parse(question)["intent"]["name"] in {"out_of_scope", "nlu_fallback"}
    reply = assistant.say(sender(), question)
    assert "I can't help with that" in text_of(reply)
    assert any(m.get("buttons") for m in reply.body)


def test_full_survey_report_resolves_strand_and_format(assistant: Assistant) -> None:
    parsed = assistant.parse("can I see the full survey report?")
    assert parsed["intent"]["name"] == "ask_link"
    assert {(e["entity"], e["value"]) for e in parsed["entities"]} >= {
        ("strand", "survey"),
        ("format", "full"),
    }
    assert "Survey: Full report" in text_of(
        assistant.say(sender(), "can I see the full survey report?")
    )


def test_buttons_payloads_answer(assistant: Assistant) -> None:
    reply = assistant.say(sender(), '/ask_link{"case_study": "authenticistic"}')
    assert "Case study #3: Authenticistic" in text_of(reply)
    reply = assistant.say(sender(), "/values_list")
    assert len(reply.body[0]["buttons"]) == 5


def test_help_offers_topic_buttons(assistant: Assistant) -> None:
    reply = assistant.say(sender(), "what can you do?")
    titles = [b["title"] for m in reply.body for b in m.get("buttons", [])]
    assert "The five values" in titles


@pytest.mark.parametrize(
    ("message", "status"),
    [("", 400), ("   \n\t ", 400), (None, 400), (42, 400), (["a"], 400)],
)
def test_empty_or_non_text_messages_get_a_clear_4xx(
    assistant: Assistant, message: object, status: int
) -> None:
    reply = assistant.say(sender(), message)
    assert reply.status == status
    assert reply.body["error"]


def test_malformed_requests_get_a_clear_4xx(assistant: Assistant) -> None:
    path = "/webhooks/rest/webhook"
    assert assistant.post(path, b'{"sender": "x", "message": ').status == 400
    assert assistant.post(path, b"\xff\xfe\x00garbage").status == 400
    assert assistant.post(path, b'"just a string"').status == 400
    assert assistant.post(path, b'{"message": "hi"}').status == 400
    wrong_type = assistant.post(path, b"sender=x&message=hi", "application/x-www-form-urlencoded")
    assert wrong_type.status == 415
    with_charset = assistant.post(
        path,
        json.dumps({"sender": sender(), "message": "hello"}).encode(),
        "application/json; charset=utf-8",
    )
    assert with_charset.status == 200 and with_charset.body


def test_a_huge_message_is_cut_with_a_note_and_answered(assistant: Assistant) -> None:
    reply = assistant.say(sender(), "what is co-production? " + "blah " * 10_000)
    assert reply.status == 200
    assert "first 2000 characters" in reply.body[0]["text"]
    assert len(reply.body) >= 2


@pytest.mark.parametrize(
    "message",
    ["🤔🤔🤔", "¿Quién ganará la liga este año?", "<script>alert(1)</script>", "\u0000\u0007"],
)
def test_odd_input_gets_a_reply_and_the_conversation_goes_on(
    assistant: Assistant, message: str
) -> None:
    who = sender()
    reply = assistant.say(who, message)
    assert reply.status in (200, 400)
    if reply.status == 200:
        assert reply.body and reply.body[0].get("text")
    follow_up = assistant.say(who, "how many pilot projects were there?")
    assert "9 pilot projects" in text_of(follow_up)
    tracker = assistant.get(f"/conversations/{who}/tracker").body
    user_texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert user_texts[-1] == "how many pilot projects were there?"


def test_conversation_is_stored_and_keeps_its_topic(assistant: Assistant) -> None:
    who = sender()
    assistant.say(who, "what is the efficiency value?")
    tracker = assistant.get(f"/conversations/{who}/tracker").body
    assert tracker["slots"]["last_topic"] == "value_efficiency"
    assert assistant.tracker_db.exists()
