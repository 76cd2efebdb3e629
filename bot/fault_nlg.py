"""The assistant's response generator, which also speaks when the action server cannot.

Rasa 3.6 says nothing when a custom action fails: the processor logs the error, drops the
action's events and listens again, so a question about links or the tour gets silence
while the action server is down (RasaHQ/rasa#5588, #7630 ask for a hook; there is none).

``FaultTolerantNLG`` is the domain's own response generator (responses are generated exactly
as without it) and, once configured in ``endpoints.yml``::

    nlg:
      type: bot.fault_nlg.FaultTolerantNLG

it wraps ``RemoteAction.run`` so that a custom action that cannot be run (connection
refused, a 5xx, a timeout) answers with the ``utter_actions_unavailable`` response instead.
Nothing is stored but that answer: the action's slots stay as they were, so the same
question works again (and the tour carries on where it was) when the action server is back.
Content answers (``action_answer``) do not need the action server at all: they run in
this process (``bot/in_process_actions.py``).
Rejections (``ActionExecutionRejection``, a 400 from the action server) are passed on
untouched, and without this generator configured the wrapper does nothing.
"""

import asyncio
import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.exceptions import RasaException

from bot.in_process_actions import run_in_process

logger = logging.getLogger(__name__)

UNAVAILABLE_RESPONSE = "utter_actions_unavailable"
# How long a custom action may take before the user is told it is unavailable
# (Rasa's own limit is 300 s, far longer than anyone waits in a chat).
ACTION_TIMEOUT_SECONDS = 30.0


class FaultTolerantNLG(TemplatedNaturalLanguageGenerator):
    """Domain responses, plus an answer for custom actions that cannot be run."""

    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None) -> None:
        responses = domain.responses if domain else {}
        if responses and UNAVAILABLE_RESPONSE not in responses:
            # Its words live only in domain.yml: refuse to start without them.
            raise RasaException(
                f"domain.yml has no '{UNAVAILABLE_RESPONSE}' response, which "
                "bot.fault_nlg.FaultTolerantNLG says when the action server is down."
            )
        super().__init__(responses)
        install_action_failure_hook()

    async def unavailable_message(self, tracker: Any, output_channel: str) -> dict[str, Any] | None:
        message = await self.generate(UNAVAILABLE_RESPONSE, tracker, output_channel)
        if not message:
            return None
        message["utter_action"] = UNAVAILABLE_RESPONSE
        return message


async def _run_or_say_unavailable(
    original: Any, action: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list[Event]:
    if not isinstance(nlg, FaultTolerantNLG):
        return await original(action, output_channel, nlg, tracker, domain)
    local = await run_in_process(action, output_channel, nlg, tracker, domain)
    if local is not None:
        return local
    try:
        return await asyncio.wait_for(
            original(action, output_channel, nlg, tracker, domain), ACTION_TIMEOUT_SECONDS
        )
    except ActionExecutionRejection:
        raise
    except (RasaException, asyncio.TimeoutError) as error:
        logger.error(
            "Custom action '%s' could not be run (%s); told the user it is unavailable.",
            action.name(),
            error or type(error).__name__,
        )
        message = await nlg.unavailable_message(tracker, output_channel.name())
        return [create_bot_utterance(message)] if message else []


def install_action_failure_hook() -> None:
    """Wrap ``RemoteAction.run`` once per process (idempotent)."""
    if getattr(RemoteAction.run, "_fault_tolerant", False):
        return
    original = RemoteAction.run

    async def run(
        self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> list[Event]:
        return await _run_or_say_unavailable(original, self, output_channel, nlg, tracker, domain)

    run._fault_tolerant = True  # type: ignore[attr-defined]
    run.__doc__ = original.__doc__
    RemoteAction.run = run  # type: ignore[method-assign]
