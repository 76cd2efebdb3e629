"""A REST channel (``/webhooks/rest/webhook``) that refuses malformed input with a 4xx.

Rasa's own ``RestInput`` passes ``null`` or non-string messages into the pipeline
and defaults a missing sender to a shared conversation. This subclass answers
those with 400, cuts very long messages to ``MAX_MESSAGE_CHARS`` (and says so),
and otherwise behaves exactly like Rasa's channel. Limits (``bot.channels.limits``):

- the body: at most ``MAX_REST_BODY_BYTES`` (else 413) and nested at most
  ``MAX_JSON_DEPTH`` levels (else 400), checked before it is parsed;
- ``metadata`` (kept in the tracker): at most ``MAX_METADATA_BYTES`` as JSON (413) and
  ``MAX_METADATA_DEPTH`` levels (400);
- ``sender``: 1 to ``MAX_SENDER_CHARS`` printable characters, and never a conversation of
  another channel (``web:...`` for the widget, ``slack:...``): those get 403.

A refused request stores nothing and logs one line.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.domain_text import domain_text
from bot.channels.limits import (
    MAX_MESSAGE_CHARS,
    MAX_REST_BODY_BYTES,
    RESERVED_SENDER_PREFIXES,
    Refused,
    check_metadata,
    clean_message,
    parse_json,
    sender_problem,
)
from bot.channels.parse_off_loop import parsed
from bot.http_guard import GuardedBlueprint
from bot.store_health import store_unavailable, unavailable_response

logger = logging.getLogger(__name__)


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def parse_body(request: Request) -> tuple[dict[str, Any] | None, HTTPResponse | None]:
    """The JSON object a request carries, or the 4xx response that refuses it."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return None, _error(415, "Send JSON with Content-Type: application/json.")
    try:
        body = parse_json(request.body or b"", MAX_REST_BODY_BYTES)
    except Refused as refusal:
        logger.warning("Refused a REST message (%d): %s", refusal.status, refusal.message)
        return None, _error(refusal.status, refusal.message)
    if not isinstance(body, dict):
        return None, _error(400, "Send a JSON object with 'sender' and 'message'.")
    return body, None


def reserved_owner(sender: str) -> str | None:
    """The channel that owns conversations named like ``sender`` (REST may not write there)."""
    for prefix, owner in RESERVED_SENDER_PREFIXES.items():
        if sender.strip().startswith(prefix):
            return owner
    return None


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = GuardedBlueprint("validating_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, refusal = parse_body(request)
            if refusal:
                return refusal
            sender, message = body.get("sender"), body.get("message")
            problem = sender_problem(sender)
            if problem:
                return _error(400, problem)
            owner = reserved_owner(sender)
            if owner:
                return _error(403, f"That 'sender' names a conversation of {owner}.")
            if not isinstance(message, str):
                return _error(400, "'message' must be a string.")
            try:
                metadata = check_metadata(body.get("metadata"))
            except Refused as refusal:
                logger.warning("Refused a REST message (%d): %s", refusal.status, refusal.message)
                return _error(refusal.status, refusal.message)
            cleaned = clean_message(message)
            if not cleaned.text:
                return _error(400, domain_text(request.app, "utter_empty_message"))
            agent = getattr(request.app.ctx, "agent", None)
            reason = await store_unavailable(agent)
            if reason:
                return unavailable_response(reason, request.app)
            collector = CollectingOutputChannel()
            if cleaned.truncated:
                note = domain_text(
                    request.app, "utter_message_truncated", max_chars=MAX_MESSAGE_CHARS
                )
                await collector.send_text_message(sender, note)
            user_message = UserMessage(
                cleaned.text,
                collector,
                sender.strip(),
                input_channel=self.name(),
                metadata=metadata,
            )
            try:
                await on_new_message(await parsed(request.app, user_message))
            except Exception:  # the conversation is kept; the client gets what was said so far
                logger.exception("Handling a REST message failed")
            reason = await store_unavailable(agent)
            if reason:  # lost mid-turn: Rasa kept the turn in memory only
                return unavailable_response(reason, request.app)
            return response.json(collector.messages)

        return webhook
