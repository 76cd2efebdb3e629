"""The walkthrough and follow-ups over REST, with the real action server."""

import uuid

import pytest

from tests.integration.conftest import Assistant
from tests.servers import STEPS

pytestmark = pytest.mark.integration
OFFER = "carry on with the tour"


def texts(reply) -> str:
    return "\n".join(m.get("text") or "" for m in reply.body)


def buttons(reply) -> list[str]:
    return [b["title"] for m in reply.body for b in m.get("buttons") or []]


@pytest.fixture
def who() -> str:
    return f"dialogue-{uuid.uuid4().hex}"


def test_the_tour_runs_with_every_control(assistant: Assistant, who: str) -> None:
    say = lambda text: assistant.say(who, text)  # noqa: E731
    first = say("/tour_start")
    assert f"Step 1 of {STEPS}: What co-production is" in texts(first)
    assert buttons(first) == ["1. Next", "2. Skip this section", "3. Stop the tour", "Tell me more"]
    assert f"Step 2 of {STEPS}" in texts(say("next"))
    assert f"Step 1 of {STEPS}" in texts(say("/tour_back"))
    assert f"Step 4 of {STEPS}: Value 1" in texts(say("skip this section"))  # to the five values
    assert f"Step 5 of {STEPS}" in texts(say("1"))
    stopped = say("/tour_stop")
    assert "paused" in texts(stopped)
    assert f"Step 5 of {STEPS}" in texts(say("continue the tour"))
    for number in range(6, 13):
        assert f"Step {number} of {STEPS}" in texts(say("/tour_next"))
    end = say("/tour_next")
    assert "end of the tour" in texts(end)
    assert "Events page" in buttons(end)


def test_a_question_mid_tour_is_answered_then_the_tour_offers_to_continue(
    assistant: Assistant, who: str
) -> None:
    assistant.say(who, "/tour_start")
    assistant.say(who, "/tour_next")
    reply = assistant.say(who, "how many surveys were submitted?")
    assert "573" in texts(reply) and OFFER in texts(reply)
    assert f"Step 2 of {STEPS}" in texts(assistant.say(who, "/tour_resume"))


def test_no_tour_offer_without_a_tour(assistant: Assistant, who: str) -> None:
    reply = assistant.say(who, "how many surveys were submitted?")
    assert "573" in texts(reply) and OFFER not in texts(reply)


def test_the_tour_resumes_after_a_new_session(assistant: Assistant, who: str) -> None:
    assistant.say(who, "/tour_start")
    assistant.say(who, "/tour_next")
    assistant.say(who, "/tour_next")
    assistant.say(who, "/tour_stop")
    assistant.say(who, "/session_start")  # what a new day or a reload starts
    assert f"Step 3 of {STEPS}" in texts(assistant.say(who, "continue the tour"))


def test_tell_me_more_after_a_tour_step_gives_the_full_answer(
    assistant: Assistant, who: str
) -> None:
    assistant.say(who, "/tour_start")
    reply = assistant.say(who, "/tell_more")
    assert "Co-production can be defined as" in texts(reply)
    assert OFFER in texts(reply)


def test_follow_ups_lean_on_the_last_answer(assistant: Assistant, who: str) -> None:
    assert "Value 2: Efficiency" in texts(assistant.say(who, "what's the second value?"))
    assert "Hameed's story" in texts(assistant.say(who, "tell me more about that"))
    assistant.say(who, "what's the fifth value?")
    assert "Shahid's story" in texts(assistant.say(who, "is there an example?"))
    source = assistant.say(who, "where is that from?")
    assert "Beyond the headlines" in texts(source) or "beyond the headlines" in texts(source)


def test_numbers_follow_ups(assistant: Assistant, who: str) -> None:
    assert "573" in texts(assistant.say(who, "how many surveys?"))
    assert "9691" in texts(assistant.say(who, "and how many responses did they get?"))
    assert "£5,000" in texts(assistant.say(who, "how much could phase 1 projects get?"))
    assert "£15,000" in texts(assistant.say(who, "and phase two?"))


def test_three_misses_in_a_row_offer_the_human_contact(assistant: Assistant, who: str) -> None:
    for question in ("what's the weather in Leeds?", "who won the cup final?"):
        assert "I can't help with that" in texts(assistant.say(who, question))
    third = assistant.say(who, "can you fix my laptop?")
    assert "coproduction@ucl.ac.uk" in texts(third)
    assert "I can't help with that" not in texts(third)
    # an answered question resets the count
    assistant.say(who, "what is co-production?")
    assert "I can't help with that" in texts(assistant.say(who, "best pizza in town?"))
