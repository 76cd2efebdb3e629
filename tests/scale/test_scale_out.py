"""Scale-out for real: two Rasa instances sharing PostgreSQL (tracker store) and Redis (lock
store) with one action server (see conftest). Runs under `make test-all`."""

import threading
import time
import uuid

import pytest

from tests.scale.conftest import Cluster, requires_scale
from tests.servers import STEPS, Reply, say, tracker, user_texts

pytestmark = [pytest.mark.scale, requires_scale()]

# Questions whose answers tell them apart, some from responses, some from custom actions.
QUESTIONS = {
    "how many surveys were submitted?": "573",
    "what's the second value?": "Value 2: Efficiency",
    "can I hear Noreen's story?": "Noreen's story",
    "how many pilot projects were there?": "9 pilot projects",
    "can I see the full survey report?": "Survey: Full report",
    "how much could phase 1 projects get?": "£5,000",
}


def new_sender() -> str:
    return f"scale-{uuid.uuid4().hex}"


def test_a_conversation_alternating_between_instances_keeps_its_context(cluster: Cluster) -> None:
    a, b = cluster.instances
    who = new_sender()
    assert f"Step 1 of {STEPS}" in say(a, who, "/tour_start").text
    assert f"Step 2 of {STEPS}" in say(b, who, "next").text
    assert f"Step 3 of {STEPS}" in say(a, who, "next").text
    assert "Value 2: Efficiency" in say(b, who, "what's the second value?").text
    assert "Hameed's story" in say(a, who, "tell me more about that").text
    assert f"Step 3 of {STEPS}" in say(b, who, "continue the tour").text
    for base in (a, b):
        state = tracker(base, who)
        assert state["slots"]["tour_step"] and state["slots"]["tour_active"]
        assert len(user_texts(state["events"])) == 6


def test_concurrent_messages_to_one_conversation_are_handled_in_order(cluster: Cluster) -> None:
    who = new_sender()
    replies: dict[int, Reply] = {}
    questions = list(QUESTIONS)

    def send(index: int) -> None:
        replies[index] = say(cluster.instances[index % 2], who, questions[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(questions))]
    for thread in threads:  # staggered so the order of arrival is known
        thread.start()
        time.sleep(0.15)
    for thread in threads:
        thread.join(timeout=180)
    assert not any(t.is_alive() for t in threads)
    for index, question in enumerate(questions):
        assert replies[index].status == 200, replies[index].body
        assert QUESTIONS[question] in replies[index].text, (question, replies[index].body)

    events = tracker(cluster.instances[0], who)["events"]
    handled = user_texts(events)
    assert sorted(handled) == sorted(questions)  # each message handled exactly once
    # Each instance takes its messages in the order they came. (Across instances the order
    # the lock sees is the order each instance got to them: a Rasa instance parses one
    # message at a time, so a busy instance takes its next message later.)
    for instance in (0, 1):
        sent = [q for i, q in enumerate(questions) if i % 2 == instance]
        assert [q for q in handled if q in sent] == sent
    # one at a time: each turn is whole, a question's answer comes before the next question
    turn, answers = -1, {}
    for event in events:
        if event["event"] == "user":
            turn += 1
        elif event["event"] == "bot" and turn >= 0:
            answers.setdefault(turn, []).append(event.get("text") or "")
    for index, question in enumerate(handled):
        assert QUESTIONS[question] in "\n".join(answers.get(index, [])), question


def test_every_event_is_stored_exactly_once(cluster: Cluster) -> None:
    a, b = cluster.instances
    who = new_sender()
    for index, question in enumerate(QUESTIONS):
        assert say((a, b)[index % 2], who, question).status == 200
    rows = cluster.postgres.events(who)
    api_events = tracker(b, who)["events"]
    stored = [(kind, round(stamp, 6)) for _, kind, stamp, _ in rows]
    assert len(set(stored)) == len(stored), "an event was stored twice"
    assert len({data for *_, data in rows}) == len(rows)
    assert sorted(stored) == sorted((e["event"], round(e["timestamp"], 6)) for e in api_events)
    assert [kind for kind, _ in stored].count("user") == len(QUESTIONS)


def test_database_unreachable_gives_503_and_no_half_written_conversation(
    cluster: Cluster,
) -> None:
    a, b = cluster.instances
    who = new_sender()
    assert "Value 2: Efficiency" in say(a, who, "what's the second value?").text
    before = cluster.postgres.events(who)
    cluster.postgres.stop()
    try:
        reply = say(b, who, "tell me more about that", timeout=60)
    finally:
        cluster.postgres.start()
    assert cluster.postgres.events(who) == before  # nothing of the failed turn was written
    assert reply.status == 503, reply.body
    assert "try again" in reply.body["error"]
    # the database is back: the conversation goes on from where it was stored
    assert "Hameed's story" in say(a, who, "tell me more about that").text
    assert user_texts(tracker(b, who)["events"]) == [
        "what's the second value?",
        "tell me more about that",
    ]
