"""``action_followup``: "tell me more", "is there an example?" and "where is that from?".

They lean on the ``last_topic`` slot (set by every answer; ``tour:<topic>`` after a
walkthrough step, whose "more" is the topic's full answer). What each topic leads to
is content, in ``content/topics.yml``.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import load_catalogue
from actions.links import entries_from, entry_message, show_links
from actions.responses import latest_intent, source_of
from actions.topics import load_topics

TOUR_PREFIX = "tour:"
LISTING_TOPICS = {"case_studies", "personal_stories"}
DEFAULT_EXAMPLE = {"topic": "case_studies"}


def give(dispatcher: CollectingDispatcher, target: dict[str, str]) -> list[dict[str, Any]]:
    """Answer with a topic's response, or with the links a request names."""
    topic = target.get("topic")
    if topic:
        dispatcher.utter_message(response=f"utter_{topic}")
        if topic in LISTING_TOPICS:
            show_links(dispatcher, {}, topic)
        return [SlotSet("last_topic", topic)]
    show_links(dispatcher, entries_from(target, load_catalogue()))
    return []


def topic_buttons() -> list[dict[str, str]]:
    picks = ("define_coproduction", "values_list", "evidence_overview", "case_studies")
    topics = load_topics()
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
        brief = last.startswith(TOUR_PREFIX)
        topic = load_topics().get(last.removeprefix(TOUR_PREFIX))
        if topic is None:
            dispatcher.utter_message(response="utter_followup_no_topic", buttons=topic_buttons())
            return []
        if intent == "ask_source":
            section = source_of(domain, topic.response) or "the summary"
            dispatcher.utter_message(response="utter_source", section=section)
            summary = load_catalogue().get("resource", "summary")
            if summary:
                dispatcher.utter_message(text=entry_message(summary))
            return []
        if intent == "ask_example":
            return give(dispatcher, topic.example or DEFAULT_EXAMPLE)
        if brief:
            return give(dispatcher, {"topic": topic.name})
        if topic.more:
            return give(dispatcher, topic.more)
        return give(dispatcher, DEFAULT_EXAMPLE)
