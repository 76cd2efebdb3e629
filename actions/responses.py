"""What actions read: response texts from the domain (the words stay in domain.yml) and the
latest message's intent."""

import re
from typing import Any

from rasa_sdk import Tracker

SOURCE_LINE = re.compile(r"^From: (.+)$", re.MULTILINE)


def response_text(domain: dict[str, Any], name: str) -> str | None:
    variations = (domain.get("responses") or {}).get(name) or []
    return variations[0].get("text") if variations else None


def source_of(domain: dict[str, Any], name: str) -> str | None:
    """The source section an answer names in its last ``From: ...`` line."""
    text = response_text(domain, name) or ""
    found = SOURCE_LINE.findall(text)
    return found[-1].strip() if found else None


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the latest message, as NLU or a button payload gave it."""
    return (tracker.latest_message.get("intent") or {}).get("name")
