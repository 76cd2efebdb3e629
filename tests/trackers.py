"""Trackers for unit tests of the actions: built from a latest message and slots, or loaded
from states recorded from real conversations (``tests/fixtures/trackers/*.json``, written by
``python -m tests.record_trackers`` against a running assistant, as Rasa's financial-demo
keeps its test trackers)."""

import json
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker

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
