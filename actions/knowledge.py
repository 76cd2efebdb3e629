"""The assistant's knowledge: topics made of facts (``content/topics.yml``).

Every fact is kept once, with its section. A topic's answer, a precise answer (one fact,
then its source), a tour step and a follow-up are all composed from the same facts here,
so a fact's wording lives in one place. Both the action server and the NLU pipeline's
fact ranker (``bot/nlu/fact_ranker.py``) read this module.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"
TOPICS_FILE = CONTENT_DIR / "topics.yml"
LEFT_OUT_FILE = CONTENT_DIR / "left_out.yml"

LIST_STYLES = ("paragraphs", "bullets", "numbered")


@dataclass(frozen=True)
class Fact:
    """One line of the summary: its words, where it sits, and how a list inside it is shown."""

    id: str
    topic: str
    text: str
    section: str
    intro: str = ""
    list: str = ""

    @property
    def plain(self) -> str:
        """The words without Markdown, as one line (for ranking and coverage checks)."""
        return " ".join(re.sub(r"[*_]", "", self.text).split())

    def key(self) -> str:
        """What shows the fact: its first **bold** phrase (as rendered), else its opening words."""
        bold = re.search(r"\*\*(.+?)\*\*", self.text)
        return bold.group(0) if bold else self.render()[:60]

    def render(self) -> str:
        """The fact as a person reads it: a sub-list (``a; b; c``) becomes bullets."""
        if self.list != "bullets":
            return self.text
        lines = [f"- {part.strip()}" for part in self.text.split(";") if part.strip()]
        return "\n".join(filter(None, [self.intro, *lines]))


@dataclass(frozen=True)
class Topic:
    """An answer topic: an intent people ask, answered by its facts in order."""

    name: str
    title: str
    section: str
    facts: tuple[Fact, ...]
    intro: str = ""
    outro: str = ""
    lead: str = ""
    list: str = "paragraphs"
    buttons: tuple[dict, ...] = ()
    more: dict[str, str] = field(default_factory=dict)
    example: dict[str, str] = field(default_factory=dict)
    items: tuple[dict, ...] = ()

    def body(self, order: list[str] | None = None, only: list[str] | None = None) -> str:
        """The topic's facts as one text, in the summary's order unless ``order`` says otherwise;
        ``only`` keeps just the facts it names (a tour step)."""
        facts = [f for f in self.ordered(order) if not only or f.id in only]
        if self.list == "numbered":
            lines = [f"{number}. {fact.render()}" for number, fact in enumerate(facts, 1)]
            joined = "\n".join(lines)
        elif self.list == "bullets":
            joined = "\n".join(f"- {fact.render()}" for fact in facts)
        else:
            joined = "\n\n".join(fact.render() for fact in facts)
        return "\n".join(filter(None, [self.intro, joined])) + (
            f"\n\n{self.outro}" if self.outro else ""
        )

    def ordered(self, order: list[str] | None = None) -> list[Fact]:
        """Facts named in ``order`` first (a numbered list keeps its numbers), then the rest."""
        if not order or self.list == "numbered":
            return list(self.facts)
        first = [fact for fact_id in order for fact in self.facts if fact.id == fact_id]
        return first + [fact for fact in self.facts if fact not in first]

    def sections(self) -> list[str]:
        """The sections this topic's facts come from, topic's own first."""
        seen: list[str] = []
        for section in [self.section, *(fact.section for fact in self.facts)]:
            if section not in seen:
                seen.append(section)
        return seen

    def list_items(self) -> list[dict[str, str]]:
        """What "the third one" can point at after this answer: its items, else its facts."""
        if self.items:
            return [dict(item) for item in self.items]
        return [{"fact": fact.id} for fact in self.facts]


class Knowledge:
    """All topics and facts, with lookups by name and by fact id."""

    def __init__(self, topics: dict[str, Topic]) -> None:
        self.topics = topics
        self.facts: dict[str, Fact] = {}
        for topic in topics.values():
            for fact in topic.facts:
                if fact.id in self.facts:
                    raise ValueError(f"fact id {fact.id!r} is used twice")
                self.facts[fact.id] = fact

    def topic(self, name: str | None) -> Topic | None:
        return self.topics.get(name or "")

    def follow_on(self, fact_id: str | None) -> str | None:
        """The listed topic a fact stands for ("Efficiency, in the long run" -> value 2)."""
        fact = self.facts.get(fact_id or "")
        if fact is None:
            return None
        topic = self.topics[fact.topic]
        if len(topic.items) != len(topic.facts) or "topic" not in topic.items[0]:
            return None
        return topic.items[topic.facts.index(fact)]["topic"]

    def fact(self, fact_id: str | None) -> Fact | None:
        return self.facts.get(fact_id or "")


def _topic(name: str, item: dict) -> Topic:
    section = str(item["section"])
    style = str(item.get("list") or "paragraphs")
    if style not in LIST_STYLES:
        raise ValueError(f"topic {name}: list must be one of {LIST_STYLES}")
    facts = tuple(
        Fact(
            id=str(fact["id"]),
            topic=name,
            text=str(fact["text"]).strip(),
            section=str(fact.get("section") or section),
            intro=str(fact.get("intro") or ""),
            list=str(fact.get("list") or ""),
        )
        for fact in item.get("facts") or []
    )
    if not facts:
        raise ValueError(f"topic {name} has no facts")
    return Topic(
        name=name,
        title=str(item["title"]),
        section=section,
        facts=facts,
        intro=str(item.get("intro") or ""),
        outro=str(item.get("outro") or ""),
        lead=str(item.get("lead") or ""),
        list=style,
        buttons=tuple(dict(b) for b in item.get("buttons") or []),
        more=dict(item.get("more") or {}),
        example=dict(item.get("example") or {}),
        items=tuple(
            {"topic": entry} if isinstance(entry, str) else dict(entry)
            for entry in item.get("items") or ()
        ),
    )


@functools.cache
def load_knowledge(path: Path = TOPICS_FILE) -> Knowledge:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return Knowledge({name: _topic(name, item) for name, item in data.items()})
