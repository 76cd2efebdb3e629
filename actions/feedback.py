"""Feedback on a content answer: ``/feedback{"rating": ..., "answer_id": ..., "comment": ...}``.

The widget and Slack send it as the person's next message, naming the answer by the
``answer_id`` its bot event carries (``actions/answer.py``). The stored user event, with its
entities, is the record: nothing else is written, no slot changes, so the tour and the
context of follow-ups ("tell me more", "the second one") go on as if it had not been sent.
A valid feedback gets no reply (the widget and Slack show the thanks themselves); one that
is not valid gets a short, clear one. ``bot/tools/review`` reads the same rules
(``valid_feedback``) to count only valid feedback. A comment is personal data.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

FEEDBACK_INTENT = "feedback"
HELPFUL, NOT_HELPFUL = "helpful", "not_helpful"
RATINGS = (HELPFUL, NOT_HELPFUL)
MAX_COMMENT_CHARS = 500
ANSWER_ID = re.compile(r"[0-9a-f]{12}")
ENTITIES = ("rating", "answer_id", "comment")


def feedback_payload(rating: str, answer_id: str, comment: str | None = None) -> str:
    """The message a feedback control sends (a Rasa ``/intent{entities}`` payload)."""
    values = {"rating": rating, "answer_id": answer_id}
    if comment:
        values["comment"] = comment
    return f"/{FEEDBACK_INTENT}{json.dumps(values, separators=(',', ':'))}"


def valid_feedback(values: dict[str, Any]) -> dict[str, str] | None:
    """``{"rating", "answer_id"[, "comment"]}`` when ``values`` is a valid feedback, else None.

    The rating is one of ``RATINGS``, the answer id 12 hex characters, the comment (optional)
    text of at most ``MAX_COMMENT_CHARS`` characters.
    """
    rating, answer_id, comment = (values.get(name) for name in ENTITIES)
    if (
        rating not in RATINGS
        or not isinstance(answer_id, str)
        or not ANSWER_ID.fullmatch(answer_id)
    ):
        return None
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS):
        return None
    found = {"rating": rating, "answer_id": answer_id}
    if isinstance(comment, str) and comment.strip():
        found["comment"] = " ".join(comment.split())
    return found


def entity_values(entities: list[dict[str, Any]]) -> dict[str, Any]:
    """The feedback entities of a message (the first value of each; others are ignored)."""
    values: dict[str, Any] = {}
    for entity in entities or []:
        name = entity.get("entity")
        if name in ENTITIES and name not in values:
            values[name] = entity.get("value")
    return values


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        if valid_feedback(entity_values(tracker.latest_message.get("entities") or [])) is None:
            dispatcher.utter_message(response="utter_feedback_invalid")
        return []


def parse_feedback_payload(text: str) -> dict[str, str] | None:
    """The valid feedback a message's text carries (as a feedback control sends it), or None."""
    prefix = f"/{FEEDBACK_INTENT}"
    if not isinstance(text, str) or not text.startswith(prefix + "{"):
        return None
    try:
        values = json.loads(text[len(prefix) :])
    except ValueError:
        return None
    return valid_feedback(values) if isinstance(values, dict) else None
