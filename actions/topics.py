"""Loads the topic notes (``content/topics.yml``) and the walkthrough (``content/tour.yml``)."""

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from actions.catalogue import CONTENT_DIR


@dataclass(frozen=True)
class Topic:
    """An answer topic: the intent answered by ``utter_<name>``."""

    name: str
    title: str
    more: dict[str, str] = field(default_factory=dict)
    example: dict[str, str] = field(default_factory=dict)

    @property
    def response(self) -> str:
        return f"utter_{self.name}"


@dataclass(frozen=True)
class TourStep:
    id: str
    section: str
    title: str
    response: str
    topic: str


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@functools.cache
def load_topics(path: Path = CONTENT_DIR / "topics.yml") -> dict[str, Topic]:
    return {
        name: Topic(
            name=name,
            title=str(item["title"]),
            more=dict(item.get("more") or {}),
            example=dict(item.get("example") or {}),
        )
        for name, item in _read(path).items()
    }


@dataclass(frozen=True)
class Tour:
    steps: tuple[TourStep, ...]
    controls: dict[str, str]

    def index_of(self, step_id: str | None) -> int | None:
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        return None

    def next_section_start(self, index: int) -> int:
        """The first step after ``index`` in another section (len(steps) at the end)."""
        section = self.steps[index].section
        for later in range(index + 1, len(self.steps)):
            if self.steps[later].section != section:
                return later
        return len(self.steps)


@functools.cache
def load_tour(path: Path = CONTENT_DIR / "tour.yml") -> Tour:
    data = _read(path)
    return Tour(
        steps=tuple(TourStep(**step) for step in data["steps"]),
        controls=dict(data.get("controls") or {}),
    )
