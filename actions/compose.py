"""Answers composed from the facts: a topic's answer, a precise answer, a decline's "what it
does say". Each returns the arguments of one message (a domain response to fill, its
values and buttons), so the words around the facts stay in domain.yml.

Used by ``action_answer`` and by the Rasa server itself when the action server is down
(``bot/fault_nlg.py``), so a question is answered the same way either way.
"""

from __future__ import annotations

from typing import Any

from actions.knowledge import Knowledge, Topic
from actions.responses import response_text

ANSWER = "utter_answer"
MORE_ABOUT = "utter_more_about"
WHAT_IT_SAYS = "utter_decline_what_it_says"


def more_button(topic: Topic, responses: dict[str, Any]) -> dict[str, str]:
    label = (response_text(responses, MORE_ABOUT) or "{title}").format(title=topic.title)
    return {"title": label, "payload": f"/{topic.name}"}


def topic_message(
    knowledge: Knowledge, topic: Topic, order: list[str] | None = None
) -> dict[str, Any]:
    """The whole topic: its facts (``order`` first, where the list allows), its buttons."""
    buttons = [dict(b) for b in topic.buttons]
    listed = [i["topic"] for i in topic.items if i.get("topic") in knowledge.topics]
    if not buttons and listed:
        # A list of topics ("the five values") offers each, in the order shown.
        buttons = [
            {"title": knowledge.topics[name].title, "payload": f"/{name}"} for name in listed
        ]
    lead = knowledge.fact(topic.lead)
    body = topic.body(order)
    return {
        "response": ANSWER,
        # A value leads with its headline as the summary words it, then its detail.
        "answer": f"{lead.render()}\n\n{body}" if lead else body,
        "section": " and ".join(topic.sections()),
        "title": topic.title,
        "buttons": buttons,
    }


def fact_message(
    knowledge: Knowledge, fact_id: str, responses: dict[str, Any], response: str = ANSWER
) -> dict[str, Any]:
    """One fact first, its section, and the whole topic one tap away."""
    fact = knowledge.facts[fact_id]
    topic = knowledge.topics[fact.topic]
    return {
        "response": response,
        "answer": fact.render(),
        "section": fact.section,
        "title": topic.title,
        "buttons": [more_button(topic, responses)],
    }


def answer_message(
    knowledge: Knowledge, answer: dict[str, Any], responses: dict[str, Any]
) -> dict[str, Any] | None:
    """The message for NLU's ``answer`` ({topic, fact, order}), or None if it names nothing."""
    topic = knowledge.topic((answer or {}).get("topic"))
    if topic is None:
        return None
    fact = answer.get("fact")
    if fact in knowledge.facts and len(topic.facts) > 1:
        return fact_message(knowledge, fact, responses)
    return topic_message(knowledge, topic, list(answer.get("order") or []))
