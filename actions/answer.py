"""``action_answer``: every content answer, composed from the facts.

NLU (``bot/nlu/fact_ranker.py``) has already chosen the topic and, for a question about
one fact, that fact (``answer`` in the message's parse data). This action says it, picks
the item of the last list for "the third one", answers a fragment from the last topic,
offers to continue the tour when one is running, and records the context.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import compose
from actions.catalogue import load_catalogue
from actions.context import chosen_item, from_context
from actions.intents import latest_intent
from actions.knowledge import Knowledge, Topic, load_knowledge
from actions.links import entries_from, requested_entries, show_links

LISTING_TOPICS = {"case_studies", "personal_stories"}
NAMED_LABELS = ("story", "case_study", "resource")
# A question that asks for a page or a link gets the topic's link as well as its words.
WANTS_LINK = re.compile(
    r"\b(link|url|page|web ?page|send me|where can i (find|see|get|watch|read)|open)\b", re.I
)


def named_links(knowledge: Knowledge, fact_id: str | None) -> dict[str, list]:
    """The catalogue entries a fact names by title ("Hear Lydia's story")."""
    fact = knowledge.fact(fact_id)
    if fact is None:
        return {}
    catalogue = load_catalogue()
    text = fact.plain.lower()
    found: dict[str, list] = {}
    for label in NAMED_LABELS:
        for entry in catalogue.all(label):
            if entry.title.lower() in text:
                found.setdefault(label, []).append(entry)
    return found


def links_for(
    tracker: Tracker, knowledge: Knowledge, topic: Topic, fact_id: str | None
) -> dict[str, list]:
    """The links that go with an answer: those the message names ("Noreen's story"), those
    the fact names, or the topic's own link when the person asks for a page."""
    catalogue = load_catalogue()
    named = {
        label: entries
        for label, entries in requested_entries(tracker, catalogue).items()
        if label in NAMED_LABELS
    }
    if named:
        return named
    by_fact = named_links(knowledge, fact_id)
    if by_fact:
        return by_fact
    if WANTS_LINK.search(tracker.latest_message.get("text") or "") and topic.more:
        return entries_from(topic.more, catalogue)
    return {}


def say_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    answer: dict[str, Any],
    knowledge: Knowledge,
) -> list[dict[str, Any]]:
    """Say the answer NLU or the context chose, and record what it was."""
    responses = domain.get("responses") or {}
    message = compose.answer_message(knowledge, answer, responses)
    if message is None:
        return []
    topic = knowledge.topics[answer["topic"]]
    # What the answer is about travels with the message (Rasa keeps these keys as the bot
    # event's metadata and hands them to the channel): channels mark it as a content answer
    # (copy with source, feedback) and feedback names it by ``answer_id``.
    dispatcher.utter_message(
        **message, answer_id=uuid.uuid4().hex[:12], topic=topic.name, fact=answer.get("fact")
    )
    links = links_for(tracker, knowledge, topic, answer.get("fact"))
    if links or topic.name in LISTING_TOPICS:
        show_links(dispatcher, domain, links, topic.name)
    if tracker.get_slot("tour_active"):
        dispatcher.utter_message(response="utter_tour_offer_continue")
    return [
        SlotSet("last_topic", topic.name),
        SlotSet("last_list", topic.list_items()),
        SlotSet("last_fact", answer.get("fact")),
    ]


def say_item(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    knowledge: Knowledge,
) -> list[dict[str, Any]]:
    """ "The third one": the item of the last list, a topic, a fact or a link."""
    item, length = chosen_item(tracker)
    if item is None:
        if length:
            dispatcher.utter_message(response="utter_choose_item_out_of_range", count=length)
        else:
            dispatcher.utter_message(response="utter_choose_item_unknown")
        return []
    if "topic" in item:
        return say_answer(dispatcher, tracker, domain, {"topic": item["topic"]}, knowledge)
    if "fact" in item and item["fact"] in knowledge.facts:
        fact = knowledge.facts[item["fact"]]
        answer = {"topic": fact.topic, "fact": fact.id}
        events = say_answer(dispatcher, tracker, domain, answer, knowledge)
        # Keep the list: "and the fourth?" picks from the same one.
        return [e for e in events if e.get("name") != "last_list"]
    show_links(dispatcher, domain, entries_from(item, load_catalogue()))
    return []


class ActionAnswer(Action):
    def name(self) -> str:
        return "action_answer"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        knowledge = load_knowledge()
        if latest_intent(tracker) == "choose_item":
            return say_item(dispatcher, tracker, domain, knowledge)
        intent = latest_intent(tracker)
        contextual = from_context(tracker, knowledge)
        answer = contextual or tracker.latest_message.get("answer") or {}
        if not contextual and answer.get("topic") != intent:
            answer = {"topic": intent}  # a button payload ("/values_list")
        return say_answer(dispatcher, tracker, domain, answer, knowledge)
