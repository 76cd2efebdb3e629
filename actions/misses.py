"""``action_handle_miss``: messages NLU declined (``out_of_scope`` / ``nlu_fallback``).

NLU says why in the message's ``decline`` (``bot/nlu/fact_ranker.py``):
- ``not_in_summary``: the question names something the summary mentions but asks what it
  does not hold. The reply says so, quotes the question, and gives what the summary does
  say on that subject;
- ``practice``: how to do co-production (start, pay, cost...): not covered; the reply
  points to the Collective's contact details and events page;
- ``advice``: medical, legal or financial: declined, pointing to a professional;
- otherwise (off-topic or unsure): "Did you mean A or B?" when NLU was torn between two
  close topics, else a polite decline; the third miss in a row offers the human contact.

A fragment that only the conversation makes answerable ("and over how long?") is
answered from the last topic first. ``miss_count`` is reset by any other intent.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import compose
from actions.answer import say_answer
from actions.catalogue import load_catalogue
from actions.context import from_context
from actions.intents import latest_intent
from actions.knowledge import Knowledge, load_knowledge
from actions.links import entry_button, entry_link
from actions.responses import response_text

MISSES_BEFORE_HANDOFF = 3
# Offer two topics only when NLU was unsure because they were close, not because it was
# unsure of everything: the first must reach the FallbackClassifier threshold (config.yml).
MIN_FIRST_CONFIDENCE = 0.3
MIN_SECOND_CONFIDENCE = 0.15
MAX_CONFIDENCE_GAP = 0.2
QUOTE_CHARS = 160
CONTACT_TOPIC = "contact"
EVENTS = ("resource", "events")
OFFERED_TOPICS = ("define_coproduction", "values_list", "evidence_overview")


def ambiguous_topics(tracker: Tracker, knowledge: Knowledge) -> list[str]:
    """The two topics NLU could not choose between, or [] when it was not that kind of miss."""
    message = tracker.latest_message
    if latest_intent(tracker) != "nlu_fallback" or (message.get("decline") or {}).get(
        "reason"
    ) not in (None, "unsure"):
        return []
    ranked = [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if len(ranked) < 2 or not all(r.get("name") in knowledge.topics for r in ranked[:2]):
        return []  # e.g. out_of_scope is one of the two: decline rather than guess
    first, second = ranked[0], ranked[1]
    if first["confidence"] < MIN_FIRST_CONFIDENCE or second["confidence"] < MIN_SECOND_CONFIDENCE:
        return []
    if first["confidence"] - second["confidence"] > MAX_CONFIDENCE_GAP:
        return []
    return [first["name"], second["name"]]


def topic_buttons(knowledge: Knowledge, names: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"title": knowledge.topics[n].title, "payload": f"/{n}"} for n in names]


def quoted(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


class ActionHandleMiss(Action):
    def name(self) -> str:
        return "action_handle_miss"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        knowledge = load_knowledge()
        answer = from_context(tracker, knowledge)
        if answer:
            return say_answer(dispatcher, tracker, domain, answer, knowledge)
        misses = int(tracker.get_slot("miss_count") or 0) + 1
        decline = tracker.latest_message.get("decline") or {}
        reason = decline.get("reason")
        responses = domain.get("responses") or {}
        if reason == "advice":
            dispatcher.utter_message(response="utter_decline_advice")
            return [SlotSet("miss_count", misses)]
        if reason == "practice":
            self._practice(dispatcher, knowledge)
            return [SlotSet("miss_count", misses)]
        if reason == "not_in_summary":
            question = decline.get("question") or tracker.latest_message.get("text")
            dispatcher.utter_message(
                response="utter_decline_not_in_summary", question=quoted(question)
            )
            if decline.get("fact") in knowledge.facts:
                dispatcher.utter_message(
                    **compose.fact_message(
                        knowledge, decline["fact"], responses, response=compose.WHAT_IT_SAYS
                    )
                )
            return [SlotSet("miss_count", misses)]
        candidates = ambiguous_topics(tracker, knowledge)
        if candidates:
            buttons = topic_buttons(knowledge, tuple(candidates))
            other = response_text(responses, "utter_something_else") or "?"
            buttons.append({"title": other, "payload": "/help"})
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
            return []
        if misses >= MISSES_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_handoff")
            dispatcher.utter_message(
                **compose.topic_message(knowledge, knowledge.topics[CONTACT_TOPIC])
            )
            return [SlotSet("miss_count", 0)]
        dispatcher.utter_message(response="utter_out_of_scope")
        return [SlotSet("miss_count", misses)]

    @staticmethod
    def _practice(dispatcher: CollectingDispatcher, knowledge: Knowledge) -> None:
        message = compose.topic_message(knowledge, knowledge.topics[CONTACT_TOPIC])
        events = load_catalogue().get(*EVENTS)
        dispatcher.utter_message(response="utter_decline_practice")
        if events:
            message["buttons"] = [entry_button(events)]
            message["answer"] += "\n\n" + entry_link(events)
        dispatcher.utter_message(**message)
