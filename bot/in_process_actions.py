"""Content answers run in the Rasa process, not over HTTP.

``action_answer`` (``actions/answer.py``) only reads the facts, the latest message and
the context slots, and returns slots: nothing in it needs the action server. Calling it
there meant sending the whole tracker and the domain over HTTP on every content turn: one
message at a time (the benchmark's turn breakdown) a turn's p50 was 47 ms that way, 28 ms
run here. Here the same action class runs on the tracker's current state, and its
messages and events are handled exactly as Rasa handles an action server's reply
(``RemoteAction._utter_responses`` and ``deserialise_events``). Links, the tour, follow-ups
and misses stay on the action server.

Installed with the response generator (``bot/fault_nlg.py``), so without it Rasa runs every
custom action remotely as usual.
"""

from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, deserialise_events
from rasa.shared.core.trackers import EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer
from actions.feedback import ActionFeedback

# Feedback on an answer reads only the latest message: no round trip for it either.
IN_PROCESS = {action().name(): action for action in (ActionAnswer, ActionFeedback)}


async def run_in_process(
    action: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list[Event] | None:
    """The events of ``action`` run here, or None when it is one for the action server."""
    action_class = IN_PROCESS.get(action.name())
    if action_class is None:
        return None
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = []  # the action reads the slots and the latest message only
    dispatcher = CollectingDispatcher()
    events = action_class().run(
        dispatcher, Tracker.from_dict(state), {"responses": domain.responses}
    )
    messages = await RemoteAction._utter_responses(
        dispatcher.messages, output_channel, nlg, tracker
    )
    return [*messages, *deserialise_events(events)]
