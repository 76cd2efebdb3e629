"""``action_tour``: the guided walkthrough, a small state machine over ``content/tour.yml``.

State lives in two slots: ``tour_step`` (the step id, kept after "stop" so the tour can
resume, even in a later session) and ``tour_active`` (answers offer to continue while
it is true). Intents: tour_start, tour_next, tour_back, tour_skip, tour_stop, tour_resume.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.intents import latest_intent
from actions.knowledge import load_knowledge
from actions.responses import response_text
from actions.tour_steps import Tour, load_tour

CONTROL_PAYLOADS = {
    "next": "/tour_next",
    "back": "/tour_back",
    "skip": "/tour_skip",
    "stop": "/tour_stop",
    "more": "/tell_more",
}


def step_message(tour: Tour, index: int, domain: dict[str, Any]) -> dict[str, Any]:
    """The text and buttons of one step: its position, its words, the controls."""
    step = tour.steps[index]
    responses = domain.get("responses") or {}
    header = (response_text(responses, "utter_tour_position") or "{title}").format(
        number=index + 1, total=len(tour.steps), title=step.title
    )
    body = load_knowledge().topics[step.topic].body(only=list(step.facts) or None)
    buttons = [
        {"title": title, "payload": CONTROL_PAYLOADS[key]}
        for key, title in tour.controls.items()
        if key in CONTROL_PAYLOADS and not (key == "back" and index == 0)
    ]
    return {"text": f"{header}\n\n{body}".strip(), "buttons": buttons}


def next_position(tour: Tour, intent: str, index: int | None, active: bool) -> int:
    """Where an intent moves the tour from ``index`` (len(steps) means "finished")."""
    if intent == "tour_start" or index is None:
        return 0
    if not active or intent == "tour_resume":
        return index
    if intent == "tour_next":
        return index + 1
    if intent == "tour_back":
        return max(index - 1, 0)
    if intent == "tour_skip":
        return tour.next_section_start(index)
    return index


class ActionTour(Action):
    def name(self) -> str:
        return "action_tour"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        tour = load_tour()
        intent = latest_intent(tracker) or ""
        step_id = tracker.get_slot("tour_step")
        active = bool(tracker.get_slot("tour_active"))
        index = tour.index_of(step_id)

        if intent == "tour_stop":
            dispatcher.utter_message(response="utter_tour_stopped")
            return [SlotSet("tour_active", False)]
        if step_id and index is None and intent != "tour_start":
            dispatcher.utter_message(response="utter_tour_changed")
        if intent == "tour_start":
            dispatcher.utter_message(response="utter_tour_welcome")
        if intent == "tour_back" and active and index == 0:
            dispatcher.utter_message(response="utter_tour_first_step")

        position = next_position(tour, intent, index, active)
        if position >= len(tour.steps):
            dispatcher.utter_message(response="utter_tour_end")
            return [
                SlotSet("tour_step", None),
                SlotSet("tour_active", False),
                SlotSet("last_topic", None),
            ]
        step = tour.steps[position]
        dispatcher.utter_message(**step_message(tour, position, domain))
        return [
            SlotSet("tour_step", step.id),
            SlotSet("tour_active", True),
            SlotSet("last_topic", f"tour:{step.topic}"),
        ]
