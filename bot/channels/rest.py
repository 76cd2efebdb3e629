"""A REST channel (``/webhooks/rest/webhook``) that refuses malformed input with a 4xx.

Rasa's own ``RestInput`` passes ``null`` or non-string messages into the pipeline
and defaults a missing sender to a shared conversation. This subclass answers
those with 400, cuts very long messages to ``MAX_MESSAGE_CHARS`` (and says so),
and otherwise behaves exactly like Rasa's channel.
"""

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import MAX_MESSAGE_CHARS, clean_message, domain_text, valid_sender
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
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, _error(400, "The request body is not valid UTF-8 JSON.")
    if not isinstance(body, dict):
        return None, _error(400, "Send a JSON object with 'sender' and 'message'.")
    return body, None


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("validating_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, refusal = parse_body(request)
            if refusal:
                return refusal
            sender, message = body.get("sender"), body.get("message")
            if not valid_sender(sender):
                return _error(400, "'sender' must be a non-empty string (your conversation id).")
            if not isinstance(message, str):
                return _error(400, "'message' must be a string.")
            cleaned = clean_message(message)
            if not cleaned.text:
                return _error(400, domain_text(request.app, "utter_empty_message"))
            agent = getattr(request.app.ctx, "agent", None)
            reason = await store_unavailable(agent)
            if reason:
                return unavailable_response(reason)
            collector = CollectingOutputChannel()
            if cleaned.truncated:
                note = domain_text(
                    request.app, "utter_message_truncated", max_chars=MAX_MESSAGE_CHARS
                )
                await collector.send_text_message(sender, note)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            user_message = UserMessage(
                cleaned.text,
                collector,
                sender.strip(),
                input_channel=self.name(),
                metadata=metadata,
            )
            try:
                await on_new_message(user_message)
            except Exception:  # the conversation is kept; the client gets what was said so far
                logger.exception("Handling a REST message failed")
            reason = await store_unavailable(agent)
            if reason:  # lost mid-turn: Rasa kept the turn in memory only
                return unavailable_response(reason)
            return response.json(collector.messages)

        return webhook
