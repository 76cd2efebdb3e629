"""Loads the links catalogue (``actions/content/links.yml``) and resolves names in it.

The catalogue is the single source of truth for every link: the actions read
it at run time and the spaCy entity patterns are generated from its aliases.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LINKS_FILE = CONTENT_DIR / "links.yml"

# Catalogue section -> entity label used by NLU and in button payloads.
SECTION_LABELS: dict[str, str] = {
    "stories": "story",
    "case_studies": "case_study",
    "strands": "strand",
    "formats": "format",
    "resources": "resource",
}


@dataclass(frozen=True)
class Entry:
    """One named thing in the catalogue (a story, a strand, a format, ...)."""

    label: str
    key: str
    title: str
    aliases: tuple[str, ...]
    url: str | None = None
    section: str | None = None
    topic: str | None = None
    note: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    is_the_page: bool = False  # the entry is the general page itself (the website)
    cite: str | None = None


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return re.sub(r"[^a-z0-9#]+", " ", text).strip()


class Catalogue:
    """Entries by label, with alias lookup."""

    def __init__(self, data: dict) -> None:
        # General pages (url -> marker): a link there, not to the item itself, says so.
        self.general_pages: dict[str, str] = {
            str(page["url"]): str(page["marker"]) for page in (data.get("pages") or {}).values()
        }
        self.entries: dict[str, dict[str, Entry]] = {}
        for section, label in SECTION_LABELS.items():
            self.entries[label] = {
                key: Entry(
                    label=label,
                    key=key,
                    title=str(item["title"]),
                    aliases=tuple(str(a).lower() for a in item.get("aliases", [])),
                    url=item.get("url"),
                    section=item.get("section"),
                    topic=item.get("topic"),
                    note=item.get("note"),
                    links=dict(item.get("links") or {}),
                    is_the_page=bool(item.get("is_the_page")),
                    cite=item.get("cite"),
                )
                for key, item in (data.get(section) or {}).items()
            }

    def label(self, title: str, url: str | None, is_the_page: bool = False) -> str:
        """A link's label: ``title``, with the page's marker when ``url`` is a general page
        rather than the item itself ("Noreen's story (on the project page)")."""
        marker = self.general_pages.get(url or "")
        return f"{title} {marker}" if marker and not is_the_page else title

    def all(self, label: str) -> list[Entry]:
        return list(self.entries.get(label, {}).values())

    def get(self, label: str, key: str) -> Entry | None:
        return self.entries.get(label, {}).get(key)

    def resolve(self, label: str, value: object) -> Entry | None:
        """Find the entry an entity value names: its key, its title or an alias."""
        if not isinstance(value, str) or not value.strip():
            return None
        wanted = _normalise(value)
        for entry in self.all(label):
            names = {entry.key.replace("_", " "), _normalise(entry.title)}
            names.update(_normalise(a) for a in entry.aliases)
            if wanted in names:
                return entry
        return None

    def patterns(self) -> list[dict]:
        """spaCy ``entity_ruler`` phrase patterns, one per alias."""
        return [
            {"label": entry.label, "pattern": alias, "id": entry.key}
            for label in SECTION_LABELS.values()
            for entry in self.all(label)
            for alias in entry.aliases
        ]


@functools.cache
def load_catalogue(path: Path = LINKS_FILE) -> Catalogue:
    with open(path, encoding="utf-8") as handle:
        return Catalogue(yaml.safe_load(handle))
