"""Unit tests of feedback validation, the Slack feedback blocks, the review's parts and
retention (no servers: events as Rasa stores them, and a real SQLite tracker store)."""

import asyncio
import json
import os
import sqlite3
import stat
import time
from pathlib import Path

import numpy as np
import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from actions.feedback import (
    MAX_COMMENT_CHARS,
    ActionFeedback,
    feedback_payload,
    parse_feedback_payload,
    valid_feedback,
)
from bot.channels.slack_feedback import FeedbackWords, feedback_blocks, thanked_blocks
from bot.retention import expired, retention_days
from bot.retention import main as retention_main
from bot.stored_events import EventStore, NoStore, StoreError
from bot.tools.review import candidates
from bot.tools.review.cli import period_seconds
from bot.tools.review.conversations import conversations
from bot.tools.review.findings import find
from bot.tools.review.grouping import groups
from bot.tools.review.pseudonyms import Pseudonyms, load_key
from bot.tools.review.report import question_groups
from bot.tracker_store import RecentTurnsTrackerStore
from tests.test_dialogue_actions import run
from tests.trackers import tracker

ANSWER_ID = "0123456789ab"
WORDS = FeedbackWords("Was this helpful?", "Helpful", "Not helpful", "Thanks!")


# ---------- feedback payloads ----------


def test_a_feedback_payload_round_trips() -> None:
    payload = feedback_payload("not_helpful", ANSWER_ID, "Too long")
    assert payload.startswith('/feedback{"rating":"not_helpful"')
    assert parse_feedback_payload(payload) == {
        "rating": "not_helpful",
        "answer_id": ANSWER_ID,
        "comment": "Too long",
    }


@pytest.mark.parametrize(
    "values",
    [
        {"rating": "great", "answer_id": ANSWER_ID},
        {"rating": "helpful"},
        {"rating": "helpful", "answer_id": "0123456789AB!"},
        {"rating": "helpful", "answer_id": ANSWER_ID, "comment": "x" * (MAX_COMMENT_CHARS + 1)},
        {"rating": "helpful", "answer_id": ANSWER_ID, "comment": 5},
        {"rating": ["helpful"], "answer_id": ANSWER_ID},
    ],
)
def test_invalid_feedback_is_refused(values: dict) -> None:
    assert valid_feedback(values) is None


def test_an_empty_comment_is_no_comment() -> None:
    """The widget sends ``"comment": ""`` when none was written."""
    payload = '/feedback{"rating":"helpful","answer_id":"0123456789ab","comment":""}'
    assert parse_feedback_payload(payload) == {"rating": "helpful", "answer_id": ANSWER_ID}


@pytest.mark.parametrize("text", ["/feedback", "/feedback{", '/feedback["helpful"]', "hello", ""])
def test_malformed_payloads_are_not_feedback(text: str) -> None:
    assert parse_feedback_payload(text) is None


def test_the_action_says_nothing_for_valid_feedback_and_explains_a_bad_one() -> None:
    entities = [
        {"entity": "rating", "value": "helpful"},
        {"entity": "answer_id", "value": ANSWER_ID},
    ]
    assert run(ActionFeedback(), tracker("feedback", entities=entities)) == ([], {})
    messages, slots = run(ActionFeedback(), tracker("feedback", entities=entities[:1]))
    assert [m["response"] for m in messages] == ["utter_feedback_invalid"] and slots == {}


# ---------- Slack blocks ----------


def test_slack_feedback_buttons_name_the_answer_and_give_way_to_the_thanks() -> None:
    answer = [{"type": "section", "text": {"type": "mrkdwn", "text": "An answer"}}]
    controls = feedback_blocks(ANSWER_ID, WORDS)
    values = [e["value"] for e in controls[-1]["elements"]]
    assert [parse_feedback_payload(v)["rating"] for v in values] == ["helpful", "not_helpful"]
    thanked = thanked_blocks(answer + controls, WORDS)
    assert thanked[0] == answer[0] and len(thanked) == 2
    assert thanked[1]["elements"][0]["text"] == "Thanks!"
    assert feedback_blocks(None, WORDS) == feedback_blocks("not-an-id", WORDS) == []


# ---------- the review's parts ----------


def user(text: str, intent: str, at: float, channel: str = "rest", **parse) -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "input_channel": channel,
        "parse_data": {"intent": {"name": intent, "confidence": parse.pop("conf", 0.9)}, **parse},
        "metadata": {},
    }


def bot(text: str, response: str | None = None, at: float = 0, **metadata) -> dict:
    buttons = metadata.pop("buttons", None)
    return {
        "event": "bot",
        "text": text,
        "timestamp": at,
        "metadata": {"utter_action": response, **metadata} if response else metadata,
        "data": {"buttons": buttons},
    }


def feedback(rating: str, answer_id: str, at: float, comment: str | None = None) -> dict:
    entities = [{"entity": "rating", "value": rating}, {"entity": "answer_id", "value": answer_id}]
    if comment:
        entities.append({"entity": "comment", "value": comment})
    return user(feedback_payload(rating, answer_id, comment), "feedback", at, entities=entities)


NOW = time.time()
EVENTS = [
    ("s1", user("what is co-production?", "define_coproduction", NOW)),
    ("s1", bot("Co-production is…", "utter_answer", NOW, answer_id=ANSWER_ID,
               topic="define_coproduction")),
    ("s1", feedback("helpful", ANSWER_ID, NOW + 1)),
    ("s1", feedback("not_helpful", ANSWER_ID, NOW + 2, "Too vague")),  # changed their mind
    ("s1", feedback("awful", ANSWER_ID, NOW + 3)),  # not valid: not counted
    ("s2", user("team or money?", "nlu_fallback", NOW, conf=0.3, intent_ranking=[
        {"name": "nlu_fallback", "confidence": 0.3}, {"name": "project_team", "confidence": 0.28},
        {"name": "project_funding", "confidence": 0.2}])),
    ("s2", bot("Did you mean one of these?", "utter_did_you_mean", NOW, buttons=[
        {"title": "The team and partners", "payload": "/project_team"},
        {"title": "Who funded it", "payload": "/project_funding"}])),
    ("s2", user("/project_funding", "project_funding", NOW + 1)),
    ("s3", user("asdfgh", "nlu_fallback", NOW, conf=0.1)),
    ("s3", bot("I'm sorry…", "utter_handoff", NOW)),
    ("s3", {"event": "slot", "name": "tour_step", "value": "define", "timestamp": NOW}),
]  # fmt: skip


def test_findings_read_feedback_choices_and_handoffs() -> None:
    findings = find(conversations(EVENTS), Pseudonyms(b"k"))
    assert [(f.rating, f.comment, f.question) for f in findings.feedback] == [
        ("not_helpful", "Too vague", "what is co-production?")
    ]
    assert [(c.question, c.picked) for c in findings.choices] == [
        ("team or money?", "Who funded it")
    ]
    assert [h.question for h in findings.handoffs] == ["asdfgh"]
    assert {q.text: q.reason for q in findings.declined} == {
        "team or money?": "did_you_mean",
        "asdfgh": "unsure",
    }
    assert findings.questions == 4  # feedback is not a question
    assert all(
        f.visitor.startswith("visitor-") and "s1" not in f.visitor for f in findings.feedback
    )


def fake_embedder(texts):
    """Two directions: questions about the weather, and the rest."""
    return np.array([[1.0, 0.0] if "weather" in t.lower() else [0.0, 1.0] for t in texts])


def test_similar_questions_are_grouped_largest_first() -> None:
    texts = ["staff at EPPI?", "weather today?", "Weather tomorrow?", "weather today!", "x"]
    assert groups(texts, embedder=fake_embedder) == [[1, 2, 3], [0, 4]]


def test_pseudonyms_are_keyed_stable_and_the_key_is_private(tmp_path: Path) -> None:
    key_file = tmp_path / "review.key"
    key = load_key(key_file)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_key(key_file) == key
    names = Pseudonyms(key)
    assert names.name("web:abc") == names.name("web:abc") != Pseudonyms(b"other").name("web:abc")
    assert "abc" not in names.name("web:abc")


def test_candidates_are_rasa_nlu_and_never_go_into_data(tmp_path: Path) -> None:
    findings = find(conversations(EVENTS), Pseudonyms(b"k"))
    path = tmp_path / "candidates.yml"
    assert candidates.export(question_groups(findings.declined), path, "today") == 2
    data = RasaYAMLReader().reads(path.read_text(encoding="utf-8"))
    assert {m.get("text"): m.get("intent") for m in data.intent_examples} == {
        "team or money?": "project_team",
        "asdfgh": "out_of_scope",
    }
    assert "nearest topic: The team and partners" in path.read_text(encoding="utf-8")
    with pytest.raises(candidates.InsideData):
        candidates.export([], Path(__file__).resolve().parent.parent / "data" / "x.yml", "")


def test_review_periods() -> None:
    assert period_seconds("7d") == 7 * 86400 and period_seconds("24h") == 86400
    assert period_seconds("all") == float("inf")
    with pytest.raises(Exception, match="24h, 7d"):
        period_seconds("a week")


# ---------- retention ----------


def test_retention_setting() -> None:
    assert retention_days("") is None and retention_days("0") is None
    assert retention_days(" 30 ") == 30
    with pytest.raises(ValueError, match="whole number of days"):
        retention_days("30d")


def test_expired_sessions_are_whole_and_current_ones_stay() -> None:
    day = 86400
    index = [
        (1, "a", 0 * day, True), (2, "a", 1 * day, False),  # a's old session
        (3, "a", 9 * day, True), (4, "a", 10 * day, False),  # a's current session
        (5, "b", 1 * day, True), (6, "b", 2 * day, False),  # b: all old
        (7, "c", 4 * day, False), (8, "c", 6 * day, False),  # c: one session, still in use
    ]  # fmt: skip
    assert expired(index, cutoff=5 * day) == [1, 2, 5, 6]


@pytest.mark.parametrize("store_class", [SQLTrackerStore, RecentTurnsTrackerStore])
def test_retention_deletes_old_sessions_from_a_real_store(tmp_path: Path, store_class) -> None:
    db = tmp_path / "tracker.db"
    endpoints = tmp_path / "endpoints.yml"
    store_type = (
        "SQL" if store_class is SQLTrackerStore else "bot.tracker_store." + store_class.__name__
    )
    endpoints.write_text(f"tracker_store:\n  type: {store_type}\n  dialect: sqlite\n  db: {db}\n")
    with pytest.raises(NoStore):
        EventStore.from_endpoints(endpoints)
    store = store_class(Domain.empty(), dialect="sqlite", db=str(db))
    old, recent = time.time() - 40 * 86400, time.time() - 86400
    for sender, starts in (("old", [old]), ("mixed", [old, recent])):
        conversation = DialogueStateTracker(sender, [])
        for start in starts:
            session = [ActionExecuted("action_session_start"), SessionStarted(), UserUttered("hi")]
            for offset, event in enumerate(session):
                event.timestamp = start + offset
                conversation.update(event)
        asyncio.run(store.save(conversation))
    if store_class is RecentTurnsTrackerStore:
        _window_for_old(db)
    events = EventStore.from_endpoints(endpoints)
    before = [sender for sender, _ in events.events()]
    assert before.count("mixed") == 6 and before.count("old") == 3
    doomed = expired(events.session_index(), time.time() - 30 * 86400)
    assert events.delete(doomed) == 6
    after = [(sender, e.get("event")) for sender, e in events.events()]
    assert [s for s, _ in after] == ["mixed"] * 3
    assert json.dumps(after).count("session_started") == 1
    if store_class is RecentTurnsTrackerStore:  # a deleted conversation's window row goes too
        with sqlite3.connect(db) as connection:
            assert connection.execute("SELECT COUNT(*) FROM tracker_windows").fetchone()[0] == 0


def _window_for_old(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        first = connection.execute("SELECT MIN(id) FROM events WHERE sender_id = 'old'").fetchone()
        connection.execute("INSERT INTO tracker_windows VALUES ('old', NULL, ?, '{}')", first)


@pytest.mark.parametrize(
    "tracker_store, says",
    [
        ("  type: SQL\n  dialect: postgresql\n  url: ${COPRO_UNSET_FOR_TEST}\n", "COPRO_UNSET"),
        ("  type: redis\n  url: localhost\n", "only SQL stores are read"),
        ("  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 9\n", "cannot be reached"),
    ],
)
def test_a_store_that_cannot_be_read_says_why(
    tmp_path: Path, tracker_store: str, says: str
) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n" + tracker_store)
    with pytest.raises(StoreError, match=says):
        EventStore.from_endpoints(endpoints)
    assert retention_main(["--days", "3", "--endpoints", str(endpoints)]) == 1
