"""The words channels say themselves (notes on empty or cut messages, the welcome), read from
the domain of the model the server is running, so they are edited in ``domain.yml`` once."""

from __future__ import annotations

from typing import Any

from actions.responses import first_variation


def app_responses(app: object) -> dict[str, Any]:
    """The responses of the running model's domain (``{}`` before a model is loaded)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    domain = getattr(agent, "domain", None)
    return domain.responses if domain else {}


def domain_text(app: object, response: str, default: str | None = None, **values: object) -> str:
    """A response's first text variation, filled in with ``values``.

    ``default`` is said when the domain has no such response (else the response's name).
    """
    first = first_variation(app_responses(app), response)
    text = first.get("text", response) if first else (default or response)
    return text.format(**values)


def domain_message(app: object, response: str) -> dict[str, Any]:
    """A response's first variation as ``{"text", "buttons": [{"title", "payload"}]}``."""
    first = first_variation(app_responses(app), response) or {}
    buttons = [
        {"title": b["title"], "payload": b["payload"]}
        for b in first.get("buttons") or []
        if isinstance(b, dict) and "title" in b and "payload" in b
    ]
    return {"text": first.get("text", ""), "buttons": buttons}
