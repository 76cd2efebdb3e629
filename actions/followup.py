"""``action_followup``: "tell me more", "is there an example?" and "where is that from?".

They lean on the ``last_topic`` slot (set by every answer; ``tour:<topic>`` after a
walkthrough step, whose "more" is the topic's full answer) and ``last_fact`` (after a
precise answer, "tell me more" gives the whole topic). What each topic leads to is
content, in ``content/topics.yml``.
"""

import functools
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import say_answer
from actions.catalogue import load_catalogue
from actions.context import TOUR_PREFIX
from actions.intents import latest_intent
from actions.knowledge import CONTENT_DIR, load_knowledge
from actions.links import entries_from, entry_message, show_links

FALLBACKS = CONTENT_DIR / "followup.yml"


@functools.lru_cache(maxsize=1)
def load_fallbacks(path: Path = FALLBACKS) -> dict[str, Any]:
    """``content/followup.yml``: the topics offered and the example given by default."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def give(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    target: dict[str, str],
) -> list[dict[str, Any]]:
    """Answer with a topic, or with the links a request names."""
    if target.get("topic"):
        return say_answer(dispatcher, tracker, domain, {"topic": target["topic"]}, load_knowledge())
    show_links(dispatcher, domain, entries_from(target, load_catalogue()))
    return []


def topic_buttons() -> list[dict[str, str]]:
    topics = load_knowledge().topics
    picks = load_fallbacks().get("offer_when_nothing_to_follow") or []
    return [{"title": topics[p].title, "payload": f"/{p}"} for p in picks if p in topics]


class ActionFollowup(Action):
    def name(self) -> str:
        return "action_followup"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        last = tracker.get_slot("last_topic") or ""
        knowledge = load_knowledge()
        topic = knowledge.topic(last.removeprefix(TOUR_PREFIX))
        if topic is None:
            dispatcher.utter_message(response="utter_followup_no_topic", buttons=topic_buttons())
            return []
        fact = knowledge.fact(tracker.get_slot("last_fact"))
        if intent == "ask_source":
            section = fact.section if fact else " and ".join(topic.sections())
            summary = load_catalogue().get("resource", "summary")
            cite = (summary.cite if summary else None) or ""
            dispatcher.utter_message(response="utter_source", section=section, cite=cite)
            if summary:
                dispatcher.utter_message(text=entry_message(summary, domain.get("responses") or {}))
            return []
        if intent == "ask_example":
            return give(
                dispatcher, tracker, domain, topic.example or load_fallbacks()["default_example"]
            )
        if fact and knowledge.follow_on(fact.id):
            # After "Efficiency, in the long run" (one of the five), more is that value.
            return give(dispatcher, tracker, domain, {"topic": knowledge.follow_on(fact.id)})
        if last.startswith(TOUR_PREFIX) or (fact and len(topic.facts) > 1):
            # After a tour step or a precise answer, "more" is the whole topic.
            return give(dispatcher, tracker, domain, {"topic": topic.name})
        return give(dispatcher, tracker, domain, topic.more or load_fallbacks()["default_example"])
