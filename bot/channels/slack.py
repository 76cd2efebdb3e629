"""The Slack channel: ``/webhooks/slack/webhook`` for events, button clicks and slash commands.

Configured from the environment, never from ``credentials.yml`` (Rasa's loader
fails on unset ``${VARS}``, and ``make run`` must work without Slack):

* ``SLACK_BOT_TOKEN`` (``xoxb-...``) and ``SLACK_SIGNING_SECRET``: both required.
  While either is unset the channel stays registered but answers every request
  with 503 and says which variable is missing, so nothing unverified is ever
  processed and a misconfigured Slack app fails visibly.
* ``SLACK_API_URL``: the Web API address, ``https://slack.com/api/`` by default
  (the tests point it at a local fake).

Why not Rasa's ``SlackInput``: its measured faults (see ``FINDINGS.md``) sit in
every method this channel needs: it answers retried events again unless the
reason is ``http_timeout``, drops ``application/json; charset=utf-8`` bodies,
swallows failed replies, and fixes the Web API address. Only its name and URL
(``/webhooks/slack/...``) are kept.

Every request is verified first (``slack_verify``); the webhook then answers at
once (Slack wants a reply within 3 s) and the conversation runs in the background.
Bodies are parsed with the limits of ``bot.channels.limits`` (size, nesting depth). Each
request is handled once: events by their event id, slash commands and button clicks by
their signature, so a signed request replayed within the 5-minute window is ignored.
"""

import asyncio
import logging
import os
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.feedback import parse_feedback_payload
from bot.channels.domain_text import domain_text
from bot.channels.limits import (
    MAX_MESSAGE_CHARS,
    MAX_REQUEST_BYTES,
    Refused,
    clean_message,
    parse_json,
)
from bot.channels.parse_off_loop import parsed
from bot.channels.slack_api import DEFAULT_API_URL, RetryPolicy, SlackSender
from bot.channels.slack_blocks import render_messages
from bot.channels.slack_events import (
    RecentIds,
    Turn,
    turn_from_command,
    turn_from_event,
    turn_from_interaction,
)
from bot.channels.slack_feedback import FeedbackWords, thanked_blocks
from bot.channels.slack_output import SlackOutput
from bot.channels.slack_verify import SIGNATURE_HEADER, check_request
from bot.http_guard import GuardedBlueprint

logger = logging.getLogger(__name__)

TOKEN_VAR, SECRET_VAR, API_URL_VAR = "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"
NO_RETRY = {"X-Slack-No-Retry": "1"}
# Said when a message carries files (the domain's words for these, if it has them): before
# the answer to its text, or alone when it has none.
FILES_RESPONSE, FILES_ONLY_RESPONSE = "utter_files_not_read", "utter_files_only"


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = ""
    signing_secret: str = ""
    api_url: str = DEFAULT_API_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SlackSettings":
        env = os.environ if env is None else env
        return cls(
            bot_token=env.get(TOKEN_VAR, "").strip(),
            signing_secret=env.get(SECRET_VAR, "").strip(),
            api_url=env.get(API_URL_VAR, "").strip() or DEFAULT_API_URL,
        )

    @property
    def missing(self) -> list[str]:
        """The required variables that are unset."""
        return [
            name
            for name, value in ((TOKEN_VAR, self.bot_token), (SECRET_VAR, self.signing_secret))
            if not value
        ]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=headers)


def _media_type(headers: Mapping[str, str]) -> str:
    return (headers.get("content-type") or "").split(";")[0].strip().lower()


def _form(body: bytes) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    return dict(pairs)


class SlackChannel(InputChannel):
    """Slack Events API, interactivity and slash commands on one verified webhook."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "SlackChannel":
        """Settings come from the environment; ``credentials.yml`` holds no Slack keys."""
        settings = SlackSettings.from_env()
        if credentials:
            logger.warning(
                "bot.channels.slack.SlackChannel ignores keys in credentials.yml (%s): "
                "set %s and %s in the environment instead.",
                ", ".join(sorted(credentials)),
                TOKEN_VAR,
                SECRET_VAR,
            )
        if settings.missing:
            # Both unset: Slack is simply not used here. One unset: a setup mistake.
            level = logging.INFO if len(settings.missing) == 2 else logging.WARNING
            logger.log(
                level,
                "Slack is not configured (%s unset): /webhooks/slack/webhook answers 503.",
                " and ".join(settings.missing),
            )
        else:
            logger.info("Slack channel ready; Web API at %s", settings.api_url)
        return cls(settings)

    def __init__(self, settings: SlackSettings, policy: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.sender = (
            None if settings.missing else SlackSender(settings.bot_token, settings.api_url, policy)
        )
        self.seen_events = RecentIds()
        self.seen_requests = RecentIds()  # slash commands and button clicks
        self._tasks: set[asyncio.Task] = set()

    def get_output_channel(self) -> OutputChannel | None:
        return None  # replies need a channel and thread, known only per message

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = GuardedBlueprint("project_slack_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if self.settings.missing:
                return _error(503, self._not_configured())
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            headers = {key.lower(): value for key, value in request.headers.items()}
            return await self.handle(headers, request.body or b"", request.app, on_new_message)

        return webhook

    def _not_configured(self) -> str:
        return f"Slack is not configured on this server: set {' and '.join(self.settings.missing)}."

    async def handle(
        self,
        headers: Mapping[str, str],
        body: bytes,
        app: object,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        """Verify, parse and dispatch one request (``headers`` keyed in lower case)."""
        if self.sender is None:
            return _error(503, self._not_configured())
        refusal = check_request(self.settings.signing_secret, headers, body)
        if refusal:
            logger.warning("Refused a Slack request (%d): %s", refusal.status, refusal.message)
            return _error(refusal.status, refusal.message)
        media_type = _media_type(headers)
        try:
            if media_type == "application/json":
                payload = parse_json(body, MAX_REQUEST_BYTES)
                if not isinstance(payload, dict):
                    raise ValueError("not a JSON object")
                return self._on_event(payload, headers, app, on_new_message)
            if media_type == "application/x-www-form-urlencoded":
                form = _form(body)
                if "payload" in form:
                    interaction = parse_json(form["payload"].encode("utf-8"), MAX_REQUEST_BYTES)
                    if not isinstance(interaction, dict):
                        raise ValueError("payload is not a JSON object")
                    turn = turn_from_interaction(interaction)
                else:
                    turn = turn_from_command(form)
                if not self._first_request(headers):
                    return response.text("")
                if turn:
                    self._start(turn, app, on_new_message)
                return response.text("")
        except Refused as refusal:
            logger.warning("Refused a Slack request (%d): %s", refusal.status, refusal.message)
            return _error(refusal.status, refusal.message)
        except (UnicodeDecodeError, ValueError, AttributeError, TypeError) as error:
            return _error(400, f"Malformed Slack request body: {error}")
        return _error(415, "Slack sends application/json or application/x-www-form-urlencoded.")

    def _first_request(self, headers: Mapping[str, str]) -> bool:
        """False for a slash command or click already handled: a replay of a signed request
        carries the same signature (the signature covers the timestamp and the body)."""
        signature = headers.get(SIGNATURE_HEADER, "")
        if not self.seen_requests.first_time(signature):
            logger.info("Ignoring a replayed Slack command or click (%s...)", signature[:12])
            return False
        return True

    def _on_event(
        self,
        payload: dict[str, Any],
        headers: Mapping[str, str],
        app: object,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        if payload.get("type") == "url_verification":
            return response.json({"challenge": payload.get("challenge", "")})
        event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
        event_id = payload.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not self.seen_events.first_time(str(event_id)):
            logger.info(
                "Ignoring Slack's retry #%s (%s) of event %s: already handled",
                headers.get("x-slack-retry-num", "?"),
                headers.get("x-slack-retry-reason", "?"),
                event_id,
            )
            return response.text("", headers=NO_RETRY)
        turn = turn_from_event(payload)
        if turn:
            self._start(turn, app, on_new_message)
        return response.text("")

    def _start(
        self, turn: Turn, app: object, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Run the conversation turn in the background (the webhook answers at once)."""
        task = asyncio.create_task(self._converse(turn, app, on_new_message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _thank(self, turn: Turn, words: FeedbackWords) -> None:
        """After feedback from a button: the answer's message shows the thanks instead."""
        assert self.sender is not None and turn.source_message is not None
        message = turn.source_message
        blocks = message.get("blocks") if isinstance(message.get("blocks"), list) else []
        update = {"text": str(message.get("text") or ""), "blocks": thanked_blocks(blocks, words)}
        await self.sender.update_message(turn.channel, message["ts"], update)

    async def _converse(
        self, turn: Turn, app: object, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        assert self.sender is not None
        output: OutputChannel = (
            CollectingOutputChannel()
            if turn.response_url
            else SlackOutput(
                self.sender, turn.channel, turn.thread_ts, FeedbackWords.from_domain(app)
            )
        )
        try:
            cleaned = clean_message(turn.text)
            if turn.files:
                note = (
                    domain_text(app, FILES_RESPONSE)
                    if cleaned.text
                    else domain_text(app, FILES_ONLY_RESPONSE)
                )
                await output.send_text_message(turn.conversation_id, note)
            if not cleaned.text and not turn.files:
                await output.send_text_message(
                    turn.conversation_id, domain_text(app, "utter_empty_message")
                )
            elif cleaned.text:
                if cleaned.truncated:
                    note = domain_text(app, "utter_message_truncated", max_chars=MAX_MESSAGE_CHARS)
                    await output.send_text_message(turn.conversation_id, note)
                message = UserMessage(
                    cleaned.text,
                    output,
                    turn.conversation_id,
                    input_channel=self.name(),
                    metadata=turn.metadata,
                )
                await on_new_message(await parsed(app, message))
                if turn.source_message and parse_feedback_payload(cleaned.text):
                    await self._thank(turn, FeedbackWords.from_domain(app))
        except Exception:  # the webhook already answered; the error must not vanish
            logger.exception("Handling a Slack message for %s failed", turn.conversation_id)
        if isinstance(output, CollectingOutputChannel) and output.messages and turn.response_url:
            options = FeedbackWords.from_domain(app).options
            await self.sender.respond(turn.response_url, render_messages(output.messages, options))
