"""``action_show_links``: answers requests for reports, videos, stories and case studies.

Everything it shows comes from the links catalogue; every sentence around the
links is a response in ``domain.yml``. The action only decides which entries fit
the request: a named story, case study or resource first, then a research strand
with a format, then a list to choose from.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import Catalogue, Entry, load_catalogue
from actions.context import last_topic_name
from actions.intents import latest_intent
from actions.knowledge import load_knowledge
from actions.responses import response_text

MAX_LINKS_PER_REPLY = 3
# Formats in order of preference when a message names several ("full video report").
FORMAT_ORDER = ("overview_video", "full_report", "overview_report")


def requested_entries(tracker: Tracker, catalogue: Catalogue) -> dict[str, list[Entry]]:
    """Catalogue entries named by the latest message's entities, by label, without repeats."""
    found: dict[str, list[Entry]] = {}
    for entity in tracker.latest_message.get("entities") or []:
        entry = catalogue.resolve(entity.get("entity", ""), entity.get("value"))
        if entry and entry not in found.get(entry.label, []):
            found.setdefault(entry.label, []).append(entry)
    return found


def link_line(title: str, url: str, catalogue: Catalogue | None = None) -> str:
    """A markdown link whose label says when it opens a general page (see links.yml)."""
    label = (catalogue or load_catalogue()).label(title, url)
    return f"[{label}]({url})"


def entry_link(entry: Entry, catalogue: Catalogue | None = None) -> str:
    label = (catalogue or load_catalogue()).label(entry.title, entry.url, entry.is_the_page)
    return f"[{label}]({entry.url or ''})"


def entry_message(entry: Entry, responses: dict[str, Any]) -> str:
    """A link, its note and where the summary lists it (``utter_link_source`` words it)."""
    lines = [entry_link(entry)]
    if entry.note:
        lines.append(entry.note)
    source = response_text(responses, "utter_link_source")
    if entry.section and source:
        lines.append(source.format(section=entry.section))
    return "\n\n".join(lines)


def payload(**entities: str) -> str:
    return "/ask_link" + json.dumps(entities, separators=(",", ":"))


def entry_button(entry: Entry) -> dict[str, str]:
    return {"title": entry.title, "payload": payload(**{entry.label: entry.key})}


def chosen_format(formats: list[Entry]) -> str | None:
    """The single format a request names, or None for "any" (or only "report")."""
    keys = {f.key for f in formats}
    for key in FORMAT_ORDER:
        if key in keys:
            return key
    return None


def entries_from(request: dict[str, str], catalogue: Catalogue) -> dict[str, list[Entry]]:
    """Entries named by a ``{label: key}`` request (as in topics.yml), by label."""
    found: dict[str, list[Entry]] = {}
    for label, key in request.items():
        entry = catalogue.resolve(label, key)
        if entry:
            found.setdefault(label, []).append(entry)
    return found


def show_links(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    found: dict[str, list[Entry]],
    intent: str | None = None,
    catalogue: Catalogue | None = None,
) -> None:
    """Answer a link request: named entries first, then a strand's formats, then a list."""
    catalogue = catalogue or load_catalogue()
    responses = domain.get("responses") or {}
    named = [e for label in ("story", "case_study", "resource") for e in found.get(label, [])]
    if named:
        dispatcher.utter_message(response="utter_link_intro")
        for entry in named[:MAX_LINKS_PER_REPLY]:
            dispatcher.utter_message(text=entry_message(entry, responses))
        return
    formats = found.get("format", [])
    if found.get("strand"):
        for strand in found["strand"][:MAX_LINKS_PER_REPLY]:
            ActionShowLinks._strand(dispatcher, catalogue, strand, formats)
        return
    if formats:
        ActionShowLinks._ask_strand(dispatcher, catalogue, formats)
        return
    ActionShowLinks._choose(dispatcher, catalogue, intent, responses)


def from_last_topic(tracker: Tracker, catalogue: Catalogue) -> dict[str, list[Entry]]:
    """ "Its story?", "the link to it": what the last answer's topic links to."""
    topic = load_knowledge().topic(last_topic_name(tracker))
    if topic is None:
        return {}
    for target in (topic.example, topic.more):
        if target and "topic" not in target:
            found = entries_from(target, catalogue)
            if found:
                return found
    return {}


class ActionShowLinks(Action):
    def name(self) -> str:
        return "action_show_links"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        catalogue = load_catalogue()
        intent = latest_intent(tracker)
        found = requested_entries(tracker, catalogue) or from_last_topic(tracker, catalogue)
        show_links(dispatcher, domain, found, intent, catalogue)
        return []

    @staticmethod
    def _strand(
        dispatcher: CollectingDispatcher,
        catalogue: Catalogue,
        strand: Entry,
        formats: list[Entry],
    ) -> None:
        wanted = chosen_format(formats)
        wants_report = any(f.key == "report" for f in formats)
        if wanted and wanted in strand.links:
            title = catalogue.get("format", wanted).title
            dispatcher.utter_message(response="utter_link_intro")
            dispatcher.utter_message(
                text=link_line(f"{strand.title}: {title}", strand.links[wanted], catalogue)
            )
            return
        available = {
            key: url
            for key, url in strand.links.items()
            if not wants_report or wanted or key.endswith("_report")
        }
        if wanted:
            dispatcher.utter_message(
                response="utter_link_format_unavailable",
                format_title=catalogue.get("format", wanted).title.lower(),
                strand_title=strand.title.lower(),
            )
        else:
            dispatcher.utter_message(
                response="utter_link_strand_formats", strand_title=strand.title.lower()
            )
        lines = [
            "- " + link_line(catalogue.get("format", key).title, url, catalogue)
            for key, url in available.items()
        ]
        dispatcher.utter_message(text="\n".join(lines))

    @staticmethod
    def _ask_strand(
        dispatcher: CollectingDispatcher, catalogue: Catalogue, formats: list[Entry]
    ) -> None:
        wanted = chosen_format(formats)
        format_title = catalogue.get("format", wanted or "report").title
        buttons = [
            {
                "title": strand.title,
                "payload": payload(strand=strand.key, format=wanted or "report"),
            }
            for strand in catalogue.all("strand")
            if not wanted or wanted in strand.links
        ]
        dispatcher.utter_message(
            response="utter_link_which_strand",
            format_title=format_title.lower(),
            buttons=buttons,
        )

    @staticmethod
    def _choose(
        dispatcher: CollectingDispatcher,
        catalogue: Catalogue,
        intent: str | None,
        responses: dict[str, Any],
    ) -> None:
        if intent in ("case_studies", "personal_stories"):
            label = "case_study" if intent == "case_studies" else "story"
            entries = catalogue.all(label)
            if label == "story" and catalogue.get("resource", "all_stories"):
                entries.append(catalogue.get("resource", "all_stories"))
            text = "\n".join("- " + entry_link(e, catalogue) for e in entries)
            dispatcher.utter_message(text=text, buttons=[entry_button(e) for e in entries])
            return
        label = response_text(responses, "utter_link_strand_button") or "{strand_title}"
        buttons = [
            {"title": label.format(strand_title=s.title), "payload": payload(strand=s.key)}
            for s in catalogue.all("strand")
        ]
        buttons += [entry_button(e) for e in catalogue.all("case_study")]
        buttons += [entry_button(e) for e in catalogue.all("story")]
        buttons += [entry_button(e) for e in catalogue.all("resource")]
        dispatcher.utter_message(response="utter_link_choose", buttons=buttons)
