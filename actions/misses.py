"""``action_handle_miss``: off-topic or unsure messages.

When NLU is unsure between two topics (``nlu_fallback`` from the FallbackClassifier's
ambiguity check), it asks "Did you mean A or B?". Otherwise it declines politely and
counts the miss; the third miss in a row offers the human contact instead. The
``miss_count`` slot is reset by any other intent (its mapping in domain.yml).
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.responses import latest_intent
from actions.topics import load_topics

MISSES_BEFORE_HANDOFF = 3
# Offer two topics only when NLU was unsure because they were close, not because it was
# unsure of everything: the first must reach the FallbackClassifier threshold (config.yml).
MIN_FIRST_CONFIDENCE = 0.3
MIN_SECOND_CONFIDENCE = 0.15
MAX_CONFIDENCE_GAP = 0.2


def ambiguous_topics(tracker: Tracker) -> list[str]:
    """The two topics NLU could not choose between, or [] when it was not that kind of miss."""
    message = tracker.latest_message
    if latest_intent(tracker) != "nlu_fallback":
        return []
    topics = load_topics()
    ranked = [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if len(ranked) < 2 or not all(r.get("name") in topics for r in ranked[:2]):
        return []  # e.g. out_of_scope is one of the two: decline rather than guess
    first, second = ranked[0], ranked[1]
    if first["confidence"] < MIN_FIRST_CONFIDENCE or second["confidence"] < MIN_SECOND_CONFIDENCE:
        return []
    if first["confidence"] - second["confidence"] > MAX_CONFIDENCE_GAP:
        return []
    return [first["name"], second["name"]]


class ActionHandleMiss(Action):
    def name(self) -> str:
        return "action_handle_miss"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        candidates = ambiguous_topics(tracker)
        if candidates:
            topics = load_topics()
            buttons = [{"title": topics[c].title, "payload": f"/{c}"} for c in candidates]
            buttons.append({"title": "Something else", "payload": "/help"})
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
            return []
        misses = int(tracker.get_slot("miss_count") or 0) + 1
        if misses >= MISSES_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_handoff")
            dispatcher.utter_message(response="utter_contact")
            return [SlotSet("miss_count", 0)]
        dispatcher.utter_message(response="utter_out_of_scope")
        return [SlotSet("miss_count", misses)]
