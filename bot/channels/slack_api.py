"""Sending to Slack: ``chat.postMessage`` and ``response_url``, with bounded retries.

A failed send is logged with Slack's error and retried when retrying can help
(rate limits, 5xx, Slack's ``internal_error`` family, network errors) with
exponential backoff, honouring ``Retry-After``. Errors that a retry cannot fix
(``channel_not_found``, ``invalid_auth``, ...) are logged once as errors. Blocks
Slack rejects are sent again as plain text so the user still gets the answer.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
RETRYABLE_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}
BLOCK_ERRORS = {"invalid_blocks", "invalid_blocks_format"}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # first try + 3 retries
    base_delay: float = 1.0  # seconds; doubles each retry
    max_delay: float = 30.0  # longest wait, also the cap on Retry-After

    def delay(self, attempt: int, retry_after: float | None) -> float:
        wanted = retry_after if retry_after is not None else self.base_delay * 2 ** (attempt - 1)
        return min(max(wanted, 0.0), self.max_delay)


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: ok, or an error and whether trying again could help."""

    ok: bool
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None


def _retry_after(headers: Any) -> float | None:
    try:
        return float(headers.get("Retry-After")) if headers else None
    except (TypeError, ValueError):
        return None


def outcome_of_api_error(error: SlackApiError) -> Outcome:
    status = getattr(error.response, "status_code", 0) or 0
    data = getattr(error.response, "data", None)
    code = data.get("error", "") if isinstance(data, dict) else ""
    retryable = status == 429 or status >= 500 or code in RETRYABLE_ERRORS
    return Outcome(
        ok=False,
        error=code or f"HTTP {status}",
        retryable=retryable,
        retry_after=_retry_after(getattr(error.response, "headers", None)),
    )


async def with_retries(
    what: str, attempt: Callable[[], Awaitable[Outcome]], policy: RetryPolicy
) -> Outcome:
    """Run ``attempt`` until it succeeds, fails for good, or the policy's attempts are used."""
    outcome = Outcome(ok=False, error="not attempted")
    for number in range(1, policy.attempts + 1):
        try:
            outcome = await attempt()
        except SlackApiError as error:
            outcome = outcome_of_api_error(error)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            outcome = Outcome(ok=False, error=f"{type(error).__name__}: {error}", retryable=True)
        if outcome.ok:
            if number > 1:
                logger.info("%s succeeded on attempt %d", what, number)
            return outcome
        if not outcome.retryable or number == policy.attempts:
            break
        wait = policy.delay(number, outcome.retry_after)
        logger.warning(
            "%s failed (attempt %d of %d): %s; retrying in %.1f s",
            what,
            number,
            policy.attempts,
            outcome.error,
            wait,
        )
        await asyncio.sleep(wait)
    logger.error("%s failed, reply not delivered: %s", what, outcome.error)
    return outcome


class SlackSender:
    """Posts messages for one Slack app (bot token) to a configurable Web API address."""

    def __init__(
        self, token: str, api_url: str = DEFAULT_API_URL, policy: RetryPolicy | None = None
    ) -> None:
        # slack_sdk's own retry handlers are off: retries here are explicit and logged.
        self.client = AsyncWebClient(token=token, base_url=api_url, retry_handlers=[])
        self.policy = policy or RetryPolicy()

    async def post_message(self, channel: str, message: dict[str, Any]) -> Outcome:
        """``chat.postMessage`` (``message`` holds ``text``, ``blocks``, ``thread_ts``...)."""
        arguments = {key: value for key, value in message.items() if value is not None}

        async def attempt() -> Outcome:
            try:
                await self.client.chat_postMessage(channel=channel, **arguments)
            except SlackApiError as error:
                code = outcome_of_api_error(error).error
                if code not in BLOCK_ERRORS or "blocks" not in arguments:
                    raise
                logger.warning("Slack rejected the blocks (%s); sending the plain text", code)
                arguments.pop("blocks")
                await self.client.chat_postMessage(channel=channel, **arguments)
            return Outcome(ok=True)

        return await with_retries(f"chat.postMessage to {channel}", attempt, self.policy)

    async def update_message(self, channel: str, ts: str, message: dict[str, Any]) -> Outcome:
        """``chat.update`` of the message ``ts`` (``message`` holds ``text`` and ``blocks``)."""

        async def attempt() -> Outcome:
            await self.client.chat_update(channel=channel, ts=ts, **message)
            return Outcome(ok=True)

        return await with_retries(f"chat.update in {channel}", attempt, self.policy)

    async def respond(self, response_url: str, message: dict[str, Any]) -> Outcome:
        """Reply through a slash command's or button click's ``response_url`` (ephemeral)."""
        body = {"response_type": "ephemeral", "replace_original": False, **message}
        client = AsyncWebhookClient(response_url, retry_handlers=[])

        async def attempt() -> Outcome:
            reply = await client.send_dict(body)
            if reply.status_code == 200:
                return Outcome(ok=True)
            return Outcome(
                ok=False,
                error=f"HTTP {reply.status_code}: {(reply.body or '')[:200]}",
                retryable=reply.status_code == 429 or reply.status_code >= 500,
                retry_after=_retry_after(reply.headers),
            )

        return await with_retries("response_url reply", attempt, self.policy)
