"""Feedback buttons under each content answer in Slack, and the thanks that replaces them.

A content answer's bot message carries its ``answer_id`` (``actions/answer.py``): its Slack
message gets an ``actions`` block (``block_id`` ``feedback``) with **Helpful** and **Not
helpful**, whose values are the feedback payloads (``actions/feedback.py``). The click comes
back as the person's next message like any button; once it is handled, the channel updates
the answer's message (``chat.update``): the buttons give way to the thanks. The words are the
domain's (``utter_feedback_*``).
"""

from dataclasses import dataclass
from typing import Any

from actions.feedback import ANSWER_ID, HELPFUL, NOT_HELPFUL, feedback_payload
from bot.channels.domain_text import domain_text
from bot.channels.slack_mrkdwn import to_mrkdwn

BLOCK_ID = "feedback"
OPTIONS_RESPONSE = "utter_options_heading"


@dataclass(frozen=True)
class FeedbackWords:
    """What the controls say: the question, the two buttons, the thanks; and the heading
    of a message's options in its plain-text form."""

    question: str
    helpful: str
    not_helpful: str
    thanks: str
    options: str = ""

    @classmethod
    def from_domain(cls, app: object) -> "FeedbackWords":
        return cls(
            question=domain_text(app, "utter_feedback_question"),
            helpful=domain_text(app, "utter_feedback_helpful"),
            not_helpful=domain_text(app, "utter_feedback_not_helpful"),
            thanks=domain_text(app, "utter_feedback_thanks"),
            options=domain_text(app, OPTIONS_RESPONSE, default=""),
        )


def feedback_blocks(answer_id: object, words: FeedbackWords) -> list[dict[str, Any]]:
    """The controls for the answer ``answer_id`` ([] when it is not a content answer's id)."""
    if not isinstance(answer_id, str) or not ANSWER_ID.fullmatch(answer_id):
        return []

    def button(rating: str, title: str) -> dict[str, Any]:
        return {
            "type": "button",
            "text": {"type": "plain_text", "text": title, "emoji": True},
            "action_id": f"feedback_{rating}",
            "value": feedback_payload(rating, answer_id),
        }

    return [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": to_mrkdwn(words.question)}]},
        {
            "type": "actions",
            "block_id": BLOCK_ID,
            "elements": [button(HELPFUL, words.helpful), button(NOT_HELPFUL, words.not_helpful)],
        },
    ]


def thanked_blocks(blocks: list[Any], words: FeedbackWords) -> list[dict[str, Any]]:
    """The answer's blocks with the question and the buttons replaced by the thanks."""
    kept: list[dict[str, Any]] = []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else {}
        if block.get("type") == "context" and (following or {}).get("block_id") == BLOCK_ID:
            continue  # the question above the buttons
        if block.get("block_id") == BLOCK_ID:
            block = {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": to_mrkdwn(words.thanks)}],
            }
        kept.append(block)
    return kept
