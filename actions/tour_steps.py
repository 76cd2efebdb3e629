"""Loads the guided walkthrough (``content/tour.yml``)."""

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.catalogue import CONTENT_DIR


@dataclass(frozen=True)
class TourStep:
    """One step: a topic's facts (or only ``facts``), under the step's title."""

    id: str
    section: str
    title: str
    topic: str
    facts: tuple[str, ...] = ()


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@dataclass(frozen=True)
class Tour:
    steps: tuple[TourStep, ...]
    controls: dict[str, str]
    numbered: tuple[str, ...] = ()  # controls shown with a number, in the order shown
    number_format: str = "{number}. {title}"

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
        steps=tuple(
            TourStep(**{**step, "facts": tuple(step.get("facts") or ())}) for step in data["steps"]
        ),
        controls=dict(data.get("controls") or {}),
        numbered=tuple(data.get("numbered") or ()),
        number_format=str(data.get("number_format") or Tour.number_format),
    )
