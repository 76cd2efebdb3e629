"""What a follow-up refers to: the item of the last list ("the third one") or the last
question's subject ("and in phase two?"). The context lives in slots set by each answer
(``last_topic``, ``last_list``, ``last_fact``), so it is stored in the conversation and
survives a restart.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from actions.knowledge import Knowledge

TOUR_PREFIX = "tour:"
ORDINALS = {
    "first": 1, "1st": 1, "one": 1, "1": 1,
    "second": 2, "2nd": 2, "two": 2, "2": 2,
    "third": 3, "3rd": 3, "three": 3, "3": 3,
    "fourth": 4, "4th": 4, "four": 4, "4": 4,
    "fifth": 5, "5th": 5, "five": 5, "5": 5,
    "sixth": 6, "6th": 6, "six": 6, "6": 6,
    "seventh": 7, "7th": 7, "seven": 7, "7": 7,
    "eighth": 8, "8th": 8, "eight": 8, "8": 8,
}  # fmt: skip
LAST = {"last", "final", "bottom"}
# A fragment is answered from the last topic when its best fact there scores this close
# to its best fact anywhere.
CONTEXT_WINDOW = 0.06


def last_topic_name(tracker: Tracker) -> str | None:
    value = tracker.get_slot("last_topic") or ""
    return value.removeprefix(TOUR_PREFIX) or None


def position(text: str, length: int) -> int | None:
    """The 0-based index an ordinal in ``text`` names in a list of ``length``, or None."""
    words = re.findall(r"[a-z0-9]+", (text or "").lower())
    if any(word in LAST for word in words):
        return length - 1 if length else None
    for word in words:
        if word in ORDINALS:
            return ORDINALS[word] - 1
    return None


def chosen_item(tracker: Tracker) -> tuple[dict[str, Any] | None, int]:
    """The item of ``last_list`` the message picks, and the list's length."""
    items = tracker.get_slot("last_list") or []
    index = position(tracker.latest_message.get("text") or "", len(items))
    if index is None or not 0 <= index < len(items):
        return None, len(items)
    return items[index], len(items)


def from_context(tracker: Tracker, knowledge: Knowledge) -> dict[str, Any] | None:
    """For a fragment ("and over how long?"): the fact of the last topic it asks about.

    Only facts that the NLU found fitting (the kind of answer asked for) count, and only
    when they score close to the fragment's best fact anywhere, so a fragment that is
    really a new question is not forced onto the old topic.
    """
    message = tracker.latest_message
    if not message.get("fragment"):
        return None
    topic = knowledge.topic(last_topic_name(tracker))
    if topic is None:
        return None
    ranking = message.get("fact_ranking") or []
    if not ranking:
        return None
    kinds = message.get("asked_kinds") or []
    # The last topic and those beside it in the summary (the storytellers and who they were).
    family = {name for name, t in knowledge.topics.items() if t.section == topic.section}
    fitting = [
        entry
        for entry in ranking
        if entry["topic"] in family
        and (entry.get("fits") or not kinds)
        and entry["score"] >= ranking[0]["score"] - CONTEXT_WINDOW
    ]
    last_fact = tracker.get_slot("last_fact")
    if kinds and any(entry["fact"] == last_fact for entry in fitting):
        # "Over how long?" after phase 1's funding: phase 1's duration, the same fact.
        return {"topic": topic.name, "fact": last_fact}
    # The last topic itself first ("whose story goes with it?" after value 2: Hameed's),
    # then the topics beside it.
    fitting.sort(key=lambda entry: entry["topic"] != topic.name)
    if fitting:
        return {"topic": fitting[0]["topic"], "fact": fitting[0]["fact"]}
    return None
