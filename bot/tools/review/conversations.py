"""Stored events → conversations of turns: each user message with the replies it got."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    """One bot message: its text, its response name (``utter_action``) and its metadata."""

    text: str
    response: str | None
    metadata: dict[str, Any]
    buttons: list[dict[str, Any]]


@dataclass
class Turn:
    sender_id: str
    timestamp: float
    channel: str
    text: str
    intent: str | None
    confidence: float | None
    parse: dict[str, Any]
    metadata: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)

    @property
    def is_payload(self) -> bool:
        """A button press or a feedback control (``/intent{...}``), not typed words."""
        return self.text.startswith("/")

    @property
    def reply_text(self) -> str:
        return "\n\n".join(r.text for r in self.replies if r.text)


@dataclass
class Conversation:
    sender_id: str
    turns: list[Turn] = field(default_factory=list)
    tour_steps: list[str] = field(default_factory=list)  # tour_step values, in order


def conversations(events: Iterable[tuple[str, dict[str, Any]]]) -> list[Conversation]:
    """Group ``(sender_id, event)`` pairs (ordered by sender, then as stored) into turns."""
    found: dict[str, Conversation] = {}
    for sender_id, event in events:
        conversation = found.setdefault(sender_id, Conversation(sender_id))
        kind = event.get("event")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            conversation.turns.append(
                Turn(
                    sender_id=sender_id,
                    timestamp=float(event.get("timestamp") or 0),
                    channel=event.get("input_channel") or "unknown",
                    text=event.get("text") or "",
                    intent=intent.get("name"),
                    confidence=intent.get("confidence"),
                    parse=parse,
                    metadata=event.get("metadata") or {},
                )
            )
        elif kind == "bot" and conversation.turns:
            metadata = event.get("metadata") or {}
            data = event.get("data") or {}
            conversation.turns[-1].replies.append(
                Reply(
                    text=event.get("text") or "",
                    response=metadata.get("utter_action"),
                    metadata=metadata,
                    buttons=data.get("buttons") or [],
                )
            )
        elif kind == "slot" and event.get("name") == "tour_step" and event.get("value"):
            conversation.tour_steps.append(str(event["value"]))
    return list(found.values())
