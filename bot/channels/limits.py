"""Shared input hygiene for every channel: one place decides what text reaches NLU."""

import re
import unicodedata
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class CleanText:
    text: str
    truncated: bool


def clean_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> CleanText:
    """Normalise a user's text: NFC, no control characters or lone surrogates, at most `limit`."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).strip()
    if len(text) > limit:
        return CleanText(text[:limit].rstrip(), truncated=True)
    return CleanText(text, truncated=False)


def valid_sender(sender: object) -> bool:
    return isinstance(sender, str) and 0 < len(sender.strip()) <= MAX_SENDER_CHARS


def domain_text(app: object, response: str, **values: object) -> str:
    """The first text variation of a domain response, filled in (channels speak in domain words)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    variations = agent.domain.responses.get(response, []) if agent and agent.domain else []
    text = variations[0].get("text", response) if variations else response
    return text.format(**values)
