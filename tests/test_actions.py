"""Unit tests of action_show_links with rasa_sdk's dispatcher and tracker."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import load_catalogue
from actions.links import ActionShowLinks
from tests.trackers import tracker as built

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text())
PROJECT_PAGE = (
    "https://www.coproductioncollective.co.uk/what-is-co-production/value-of-co-production"
)


def tracker(intent: str = "ask_link", text: str = "", **entities: Any) -> Tracker:
    """A link request whose entities are given as ``label=value`` (or a list of values)."""
    found = [
        {"entity": label, "value": value}
        for label, values in entities.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    return built(intent, text=text, entities=found)


def run(t: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = ActionShowLinks().run(dispatcher, t, DOMAIN)
    assert events == []
    return dispatcher.messages


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def test_a_named_story_gets_its_link_note_and_section() -> None:
    messages = run(tracker(story="Noreen"))
    assert messages[0]["response"] == "utter_link_intro"
    assert f"[Noreen's story (on the project page)]({PROJECT_PAGE})" in texts(messages)
    assert "value 4" in texts(messages)
    assert "From: *Section 2" in texts(messages)


@pytest.mark.parametrize("value", ["noreen", "Noreen", "NOREEN", "noreens"])
def test_entity_values_from_nlu_and_from_buttons_resolve_alike(value: str) -> None:
    assert "Noreen's story" in texts(run(tracker(story=value)))


def test_a_strand_with_a_format_gets_that_one_link() -> None:
    messages = run(tracker(strand="survey", format=["full", "report"]))
    assert texts(messages).strip() == f"[Survey: Full report (on the project page)]({PROJECT_PAGE})"


def test_a_strand_alone_lists_everything_it_has() -> None:
    messages = run(tracker(strand="pilot projects"))
    assert messages[0]["response"] == "utter_link_strand_formats"
    assert messages[0]["strand_title"] == "pilot projects"
    assert "Overview video" in texts(messages) and "Full report" in texts(messages)
    assert "Overview report" not in texts(messages)


def test_a_format_a_strand_lacks_says_so_and_offers_what_exists() -> None:
    messages = run(tracker(strand="pilots", format="overview report"))
    assert messages[0]["response"] == "utter_link_format_unavailable"
    assert "Full report" in texts(messages)


def test_report_alone_for_a_strand_lists_only_reports() -> None:
    messages = run(tracker(strand="rapid review", format="report"))
    assert "Overview report" in texts(messages) and "Full report" in texts(messages)
    assert "Overview video" not in texts(messages)


def test_a_format_without_a_strand_asks_which_strand() -> None:
    [message] = run(tracker(format="video"))
    assert message["response"] == "utter_link_which_strand"
    payloads = [b["payload"] for b in message["buttons"]]
    assert '/ask_link{"strand":"survey","format":"overview_video"}' in payloads
    assert len(payloads) == 4


def test_a_named_case_study_wins_over_a_generic_format() -> None:
    messages = run(tracker(case_study="birdsong", format="video"))
    assert "Case study #2: Hearing Birdsong" in texts(messages)


def test_nothing_named_offers_every_link_as_a_button() -> None:
    [message] = run(tracker())
    assert message["response"] == "utter_link_choose"
    catalogue = load_catalogue()
    titles = {b["title"] for b in message["buttons"]}
    for label in ("story", "case_study", "resource"):
        assert {e.title for e in catalogue.all(label)} <= titles


def test_unknown_entity_values_are_ignored() -> None:
    [message] = run(tracker(story="Gandalf"))
    assert message["response"] == "utter_link_choose"


def test_case_studies_intent_lists_the_three_case_studies() -> None:
    [message] = run(tracker(intent="case_studies"))
    assert len(message["buttons"]) == 3
    assert "Voices in Maternity Care" in message["text"]
    assert message["text"].count(PROJECT_PAGE) == 3


def test_personal_stories_intent_lists_five_stories_and_all_stories() -> None:
    [message] = run(tracker(intent="personal_stories"))
    titles = [b["title"] for b in message["buttons"]]
    assert titles[:5] == [
        f"{n}'s story" for n in ("Lydia", "Hameed", "Ashleigh", "Noreen", "Shahid")
    ]
    assert titles[5] == "All stories"


def test_at_most_three_links_per_reply() -> None:
    messages = run(tracker(story=["lydia", "hameed", "ashleigh", "noreen"]))
    assert len([m for m in messages if m.get("text")]) == 3
