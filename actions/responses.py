"""The domain's responses as data: the one place that reads a response's first variation.

Actions, the Rasa-side answer composer and the channels (REST notes, the widget's welcome,
Slack notes) all take the words people read from ``domain.yml`` through these two helpers.
"""

from __future__ import annotations

from typing import Any


def first_variation(responses: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The first variation of a response (``responses`` as in domain.yml), or None."""
    variations = responses.get(name) or []
    first = variations[0] if variations else None
    return first if isinstance(first, dict) else None


def response_text(responses: dict[str, Any], name: str) -> str | None:
    """The text of a response's first variation, unfilled, or None."""
    first = first_variation(responses, name)
    return first.get("text") if first else None
