"""``action_tour``: the guided walkthrough, a small state machine over ``content/tour.yml``.

State lives in two slots: ``tour_step`` (the step id, kept after "stop" so the tour can
resume, even in a later session) and ``tour_active`` (answers offer to continue while
it is true). Intents: tour_start, tour_next, tour_back, tour_skip, tour_stop, tour_resume.

Each control's payload names the step it was shown at (``/tour_next{"from_step": "why"}``):
pressing the "Next" of an earlier step moves on from that step, not from where the tour is
now. A typed number ("2") picks the control showing that number at the current step; the
numbers have no gaps. Step messages carry ``tour_step`` (the bot event's metadata), so a
channel can tell a tour is running.
"""

import json
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.intents import latest_intent
from actions.knowledge import load_knowledge
from actions.tour_steps import Tour, TourStep, load_tour

STEP_INTENTS = {"next": "tour_next", "back": "tour_back", "skip": "tour_skip", "stop": "tour_stop"}
# The entity a control's payload names its step with (domain.yml lists it).
FROM_STEP = "from_step"
# "2", "option 2", "number 2": a control picked by the number it shows.
TYPED_NUMBER = re.compile(r"\s*(?:option|number|no\.?)?\s*#?(\d{1,2})[.)]?\s*", re.I)


def shown_controls(tour: Tour, index: int) -> list[str]:
    """The controls under step ``index``, in the order shown (no "back" at the first step)."""
    return [
        key
        for key in tour.controls
        if (key in STEP_INTENTS or key == "more") and not (key == "back" and index == 0)
    ]


def control_payload(key: str, step: TourStep) -> str:
    """A control's payload names its step, so a button of an earlier step acts on that step;
    "more" is the step's whole topic."""
    if key == "more":
        return f"/{step.topic}"
    return f"/{STEP_INTENTS[key]}" + json.dumps({FROM_STEP: step.id}, separators=(",", ":"))


def step_message(tour: Tour, index: int) -> dict[str, Any]:
    """One step as a domain response to fill (``utter_tour_step``: its position, its title,
    its words) with the controls as buttons."""
    step = tour.steps[index]
    buttons = []
    number = 0
    for key in shown_controls(tour, index):
        title = tour.controls[key]
        if key in tour.numbered:
            number += 1
            title = tour.number_format.format(number=number, title=title)
        buttons.append({"title": title, "payload": control_payload(key, step)})
    return {
        "response": "utter_tour_step",
        "number": index + 1,
        "total": len(tour.steps),
        "title": step.title,
        "body": load_knowledge().topics[step.topic].body(only=list(step.facts) or None),
        "buttons": buttons,
        "tour_step": step.id,
    }


def typed_control(tour: Tour, index: int | None, text: str) -> str | None:
    """The intent of the control whose number was typed ("2") at step ``index``, if any."""
    match = TYPED_NUMBER.fullmatch(text or "")
    if index is None or not match:
        return None
    numbered = [k for k in shown_controls(tour, index) if k in tour.numbered]
    number = int(match.group(1))
    return STEP_INTENTS.get(numbered[number - 1]) if 0 < number <= len(numbered) else None


def from_step(tracker: Tracker) -> str | None:
    """The step a pressed control was shown at (its payload's ``from_step``), if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == FROM_STEP and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


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
        pressed_at = tour.index_of(from_step(tracker))
        if pressed_at is not None and intent in STEP_INTENTS.values():
            # A button acts on the step it was shown at, even after the tour moved on.
            step_id, index, active = tour.steps[pressed_at].id, pressed_at, True
        elif active:
            intent = typed_control(tour, index, tracker.latest_message.get("text")) or intent

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
        dispatcher.utter_message(**step_message(tour, position))
        return [
            SlotSet("tour_step", step.id),
            SlotSet("tour_active", True),
            SlotSet("last_topic", f"tour:{step.topic}"),
        ]
