"""What the stored conversations say needs fixing, and how the assistant is used.

Read from what each turn recorded: the intent and its ranking, ``decline`` (why NLU declined,
``bot/nlu/fact_ranker.py``), each reply's response name (``utter_action``) and a content
answer's ``answer_id`` and ``topic`` (``actions/answer.py``), and feedback messages
(``actions/feedback.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from actions.feedback import FEEDBACK_INTENT, NOT_HELPFUL, entity_values, valid_feedback
from actions.knowledge import load_knowledge
from actions.tour_steps import load_tour
from bot.tools.metrics import DECLINED
from bot.tools.review.conversations import Conversation, Turn
from bot.tools.review.pseudonyms import Pseudonyms

# A question answered with less confidence than this is listed with the declined ones.
UNSURE_BELOW = 0.5
# Below this, no topic is near (off-topic questions): none is suggested.
NEAR_TOPIC = 0.1
QUOTE_CHARS = 300
REASONS = {
    "not_in_summary": "not in the summary",
    "unsure": "not understood",
    "off_topic": "off-topic",
    "advice": "advice (declined, pointed to a professional)",
    "practice": "how to do it (pointed to the contact details)",
    "did_you_mean": "asked \u201cDid you mean\u2026?\u201d",
    "answered_unsure": "answered, but unsure",
}
CHANNELS = {"rest": "REST API", "socketio": "web widget", "slack": "Slack"}


def quoted(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` on one line, without Markdown emphasis, cut to ``limit`` characters."""
    text = " ".join(re.sub(r"\*\*?(?=\S)|(?<=\S)\*\*?", "", text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).date().isoformat()


def topic_title(name: str | None) -> str:
    topic = load_knowledge().topic(name) if name else None
    return topic.title if topic else (name or "none close")


@dataclass
class Question:
    """A question the assistant declined, or answered without being sure."""

    text: str
    reason: str
    topic: str | None  # the nearest topic (an intent name)
    confidence: float | None
    reply: str
    visitor: str
    when: float
    channel: str


@dataclass
class Feedback:
    rating: str
    comment: str
    question: str
    answer: str
    topic: str | None
    visitor: str
    when: float
    channel: str


@dataclass
class Choice:
    """A "Did you mean …?" and what the person did next."""

    question: str
    offered: list[str]
    picked: str
    visitor: str
    when: float


@dataclass
class Handoff:
    question: str
    visitor: str
    when: float
    channel: str


@dataclass
class Findings:
    conversations: int = 0
    questions: int = 0
    declined: list[Question] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)
    per_day_channel: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    per_day_topic: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    tour_started: int = 0
    tour_reached: list[int] = field(default_factory=list)  # conversations reaching step k+1
    tour_finished: int = 0


def nearest_topic(turn: Turn) -> tuple[str | None, float | None]:
    """The topic NLU found closest to a declined question, and its confidence."""
    topics = load_knowledge().topics
    decline = turn.parse.get("decline") or {}
    ranking = turn.parse.get("intent_ranking") or []
    if decline.get("intent") in topics:  # the classifier's topic, before the decline
        return decline["intent"], decline.get("confidence")
    for entry in ranking:
        if entry.get("name") in topics:
            return entry["name"], entry.get("confidence")
    if decline.get("topic") in topics:  # the topic of the closest fact
        return decline["topic"], None
    return None, None


def answered(turn: Turn) -> bool:
    return any(r.metadata.get("answer_id") for r in turn.replies)


def question_of(turn: Turn, names: Pseudonyms) -> Question | None:
    """The turn as a question to look at, or None when it was answered with confidence."""
    if turn.is_payload:
        return None
    if turn.intent in DECLINED and not answered(turn):
        decline = turn.parse.get("decline") or {}
        offered = any(r.response == "utter_did_you_mean" for r in turn.replies)
        reason = (
            "did_you_mean"
            if offered
            else decline.get("reason")
            or ("off_topic" if turn.intent == "out_of_scope" else "unsure")
        )
    elif answered(turn) and (turn.confidence or 0) < UNSURE_BELOW:
        reason = "answered_unsure"
    else:
        return None
    topic, confidence = nearest_topic(turn)
    if confidence is not None and confidence < NEAR_TOPIC:
        topic, confidence = None, None
    return Question(
        text=quoted(turn.text),
        reason=reason,
        topic=topic,
        confidence=confidence,
        reply=quoted(turn.reply_text),
        visitor=names.name(turn.sender_id),
        when=turn.timestamp,
        channel=turn.channel,
    )


def what_was_asked(turn: Turn) -> str:
    """What a person typed, or the button they pressed."""
    if not turn.is_payload:
        return quoted(turn.text)
    title = (turn.metadata.get("slack") or {}).get("title")
    return f"(pressed {title or topic_title(turn.intent)})"


def feedback_in(conversation: Conversation, names: Pseudonyms) -> list[Feedback]:
    """Valid feedback, the last per answer (a person may change their mind)."""
    answers = {
        reply.metadata["answer_id"]: (turn, reply)
        for turn in conversation.turns
        for reply in turn.replies
        if reply.metadata.get("answer_id")
    }
    found: dict[str, Feedback] = {}
    for turn in conversation.turns:
        if turn.intent != FEEDBACK_INTENT:
            continue
        values = valid_feedback(entity_values(turn.parse.get("entities") or []))
        if values is None:
            continue
        asked, reply = answers.get(values["answer_id"], (None, None))
        found[values["answer_id"]] = Feedback(
            rating=values["rating"],
            comment=quoted(values.get("comment", "")),
            question=what_was_asked(asked) if asked else "(answer not in this review's period)",
            answer=quoted(reply.text, 200) if reply else "",
            topic=reply.metadata.get("topic") if reply else None,
            visitor=names.name(turn.sender_id),
            when=turn.timestamp,
            channel=turn.channel,
        )
    return list(found.values())


def choices_in(conversation: Conversation, names: Pseudonyms) -> list[Choice]:
    found = []
    turns = conversation.turns
    for index, turn in enumerate(turns):
        offer = next((r for r in turn.replies if r.response == "utter_did_you_mean"), None)
        if offer is None:
            continue
        payloads = {b.get("payload"): b.get("title") for b in offer.buttons}
        following = turns[index + 1] if index + 1 < len(turns) else None
        if following is None:
            picked = "left it there"
        elif following.text in payloads:
            picked = str(payloads[following.text])
        else:
            picked = "asked something else"
        offered = [str(b.get("title")) for b in offer.buttons]
        found.append(
            Choice(quoted(turn.text), offered, picked, names.name(turn.sender_id), turn.timestamp)
        )
    return found


def tour_progress(conversation: Conversation) -> tuple[int | None, bool]:
    """The furthest tour step reached (0-based), and whether the tour was finished."""
    tour = load_tour()
    reached = [tour.index_of(step) for step in conversation.tour_steps]
    reached = [index for index in reached if index is not None]
    finished = any(r.response == "utter_tour_end" for t in conversation.turns for r in t.replies)
    return (max(reached) if reached else None), finished


def find(conversations: list[Conversation], names: Pseudonyms) -> Findings:
    findings = Findings(conversations=len(conversations))
    steps = len(load_tour().steps)
    findings.tour_reached = [0] * steps
    for conversation in conversations:
        for turn in conversation.turns:
            if turn.intent == FEEDBACK_INTENT:
                continue
            findings.questions += 1
            findings.per_day_channel[day(turn.timestamp)][
                CHANNELS.get(turn.channel, turn.channel)
            ] += 1
            for reply in turn.replies:
                if reply.metadata.get("answer_id"):
                    findings.per_day_topic[day(turn.timestamp)][reply.metadata.get("topic")] += 1
                if reply.response == "utter_handoff":
                    findings.handoffs.append(
                        Handoff(
                            what_was_asked(turn),
                            names.name(turn.sender_id),
                            turn.timestamp,
                            CHANNELS.get(turn.channel, turn.channel),
                        )
                    )
            question = question_of(turn, names)
            if question:
                findings.declined.append(question)
        findings.feedback += feedback_in(conversation, names)
        findings.choices += choices_in(conversation, names)
        furthest, finished = tour_progress(conversation)
        if furthest is not None:
            findings.tour_started += 1
            for index in range(furthest + 1):
                findings.tour_reached[index] += 1
        findings.tour_finished += int(finished)
    return findings


def not_helpful(findings: Findings) -> list[Feedback]:
    return [f for f in findings.feedback if f.rating == NOT_HELPFUL]
