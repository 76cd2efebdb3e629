"""Trackers for unit tests of the actions: built from a latest message and slots, or loaded
from states recorded from real conversations (``tests/fixtures/trackers/*.json``, written by
``python -m tests.record_trackers`` against a running assistant, as Rasa's financial-demo
keeps its test trackers)."""

import json
from pathlib import Path
from typing import Any

from rasa.core.nlg.interpolator import interpolate_text
from rasa_sdk import Tracker

from actions.responses import response_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "trackers"


def tracker(
    intent: str,
    slots: dict[str, Any] | None = None,
    ranking: list[dict] | None = None,
    text: str = "",
    entities: list[dict] | None = None,
    **parse: Any,
) -> Tracker:
    """A tracker whose latest message is ``intent`` (and ``text``), with ``slots`` set."""
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent},
            "intent_ranking": ranking or [],
            "entities": entities or [],
            **parse,
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def recorded(name: str) -> Tracker:
    """The tracker state recorded as ``fixtures/trackers/<name>.json``."""
    state = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return Tracker.from_dict(state)


def rendered(messages: list[dict[str, Any]], domain: dict[str, Any]) -> list[dict[str, Any]]:
    """The dispatcher's messages with each domain response filled in as Rasa's NLG does
    (its first variation, the message's values), so tests read the text people see."""
    responses = domain.get("responses") or {}
    out = []
    for message in messages:
        template = response_text(responses, message.get("response") or "")
        if template is not None and not message.get("text"):
            values = {k: v for k, v in message.items() if k not in ("response", "buttons")}
            message = {**message, "text": interpolate_text(template, values)}
        out.append(message)
    return out
