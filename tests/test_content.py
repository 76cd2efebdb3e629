"""Consistency of the content: every name used exists, every answer carries its source,
every number in an answer is in the summary, and nothing is said twice."""

import json
import re
from collections import Counter
from urllib.parse import urlparse

from actions.catalogue import SECTION_LABELS, load_catalogue
from actions.topics import load_topics
from bot.evaluate import HELDOUT, examples_in, leaked, training_examples

BASIC_INTENTS = {"greet", "goodbye", "thanks", "help", "bot_challenge", "out_of_scope"}
TOUR_INTENTS = {"tour_start", "tour_next", "tour_back", "tour_skip", "tour_stop", "tour_resume"}
FOLLOWUP_INTENTS = {"tell_more", "ask_example", "ask_source"}
LINK_INTENTS = {"ask_link"}
LISTING_TOPICS = {"case_studies", "personal_stories"}  # answered by a response + the links
ALLOWED_HOSTS = {"www.coproductioncollective.co.uk", "twitter.com"}
MIN_EXAMPLES = 15


def content_intents(domain: dict) -> list[str]:
    """Topics answered by their own response alone (one rule: intent -> utter_<intent>)."""
    return [i for i in load_topics() if i not in LISTING_TOPICS]


def test_every_intent_is_a_topic_or_a_known_kind(domain: dict) -> None:
    known = set(load_topics()) | BASIC_INTENTS | TOUR_INTENTS | FOLLOWUP_INTENTS | LINK_INTENTS
    assert set(domain["intents"]) == known


def response_texts(domain: dict) -> dict[str, str]:
    return {name: v[0].get("text", "") for name, v in domain["responses"].items()}


def test_every_intent_has_enough_varied_training_examples(domain: dict) -> None:
    counts = Counter(intent for _, intent in training_examples())
    assert set(counts) == set(domain["intents"])
    thin = {intent: n for intent, n in counts.items() if n < MIN_EXAMPLES}
    assert not thin, f"intents with fewer than {MIN_EXAMPLES} examples: {thin}"


def test_no_training_example_is_given_two_intents() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for text, intent in training_examples():
        key = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
        if key in seen and seen[key] != intent:
            clashes.append((text, seen[key], intent))
        seen[key] = intent
    assert not clashes


def test_heldout_covers_every_intent_and_is_never_trained_on(domain: dict) -> None:
    heldout = examples_in(HELDOUT)
    counts = Counter(intent for _, intent in heldout)
    assert set(counts) == set(domain["intents"])
    assert min(counts.values()) >= 8
    assert leaked(heldout, training_examples()) == []


def test_every_content_intent_has_an_answer_and_a_rule(domain: dict, rules: list[dict]) -> None:
    answered = {
        step["intent"]: rule["steps"][i + 1]["action"]
        for rule in rules
        for i, step in enumerate(rule["steps"][:-1])
        if "intent" in step
    }
    for intent in domain["intents"]:
        assert intent in answered, f"no rule answers {intent}"
    for intent in content_intents(domain):
        assert answered[intent] == f"utter_{intent}"
    for intent in LISTING_TOPICS:
        assert answered[intent] == f"utter_{intent}"


def test_every_answer_mid_tour_offers_to_continue(rules: list[dict]) -> None:
    offered = {
        rule["steps"][0]["intent"]
        for rule in rules
        if rule.get("condition") == [{"slot_was_set": [{"tour_active": True}]}]
        and rule["steps"][-1] == {"action": "utter_tour_offer_continue"}
    }
    assert offered == set(load_topics()) | LINK_INTENTS | FOLLOWUP_INTENTS


def test_rules_name_only_known_responses_and_actions(domain: dict, rules: list[dict]) -> None:
    known = set(domain["responses"]) | set(domain.get("actions", []))
    for rule in rules:
        for step in rule["steps"]:
            if "action" in step:
                assert step["action"] in known, f"{rule['rule']}: {step['action']}"


def test_every_content_answer_names_its_source_section(domain: dict) -> None:
    texts = response_texts(domain)
    for intent in load_topics():
        last_line = texts[f"utter_{intent}"].strip().splitlines()[-1]
        assert re.match(r"^From: \*.+\*", last_line), f"utter_{intent}: {last_line!r}"


def test_every_number_in_an_answer_is_in_the_summary(domain: dict, source_text: str) -> None:
    source_numbers = set(re.findall(r"\d[\d,]*", source_text.replace(",", "")))
    for name, text in response_texts(domain).items():
        text = re.sub(r"\{\w+\}", "", text)  # template slots
        text = re.sub(r"^\s*\d+\.\s", "", text, flags=re.M)  # list numbering
        text = re.sub(r"(Value|value|Section) \d", "", text)
        for number in re.findall(r"\d[\d,]*", text.replace(",", "")):
            assert number in source_numbers, f"{name}: {number} is not in the summary"


def test_no_answer_text_is_duplicated(domain: dict) -> None:
    texts = [t for t in response_texts(domain).values() if t]
    assert len(texts) == len(set(texts))
    sentences = Counter(
        line.strip("-* ").strip()
        for text in texts
        for line in text.splitlines()
        if len(line.strip()) > 60 and not line.startswith("From:")
    )
    repeated = [s for s, n in sentences.items() if n > 1]
    assert not repeated, repeated


def button_payloads(domain: dict) -> list[str]:
    """Payloads as Rasa sends them: {{ and }} in domain.yml are literal braces."""
    return [
        button["payload"].replace("{{", "{").replace("}}", "}")
        for variations in domain["responses"].values()
        for variation in variations
        for button in variation.get("buttons", [])
    ]


def test_every_button_names_a_known_intent_and_catalogue_entry(domain: dict) -> None:
    catalogue = load_catalogue()
    for payload in button_payloads(domain):
        match = re.fullmatch(r"/(\w+)(\{.*\})?", payload)
        assert match, payload
        assert match.group(1) in domain["intents"], payload
        for label, value in json.loads(match.group(2) or "{}").items():
            assert label in domain["entities"], payload
            assert catalogue.resolve(label, value), payload


def test_links_catalogue_is_complete_and_points_at_real_public_pages(domain: dict) -> None:
    catalogue = load_catalogue()
    assert {e.key for e in catalogue.all("story")} == {
        "lydia",
        "hameed",
        "ashleigh",
        "noreen",
        "shahid",
    }
    assert len(catalogue.all("case_study")) == 3
    assert {e.key for e in catalogue.all("strand")} == {
        "survey",
        "rapid_review",
        "community_reporting",
        "pilot_projects",
    }
    assert set(catalogue.get("strand", "pilot_projects").links) == {"overview_video", "full_report"}
    urls = [e.url for label in ("story", "case_study", "resource") for e in catalogue.all(label)]
    urls += [u for s in catalogue.all("strand") for u in s.links.values()]
    for url in urls:
        parsed = urlparse(url)
        assert parsed.scheme == "https" and parsed.netloc in ALLOWED_HOSTS, url
    for label in SECTION_LABELS.values():
        for entry in catalogue.all(label):
            if entry.topic:
                assert entry.topic in domain["intents"], entry


def test_no_alias_names_two_entries() -> None:
    aliases = Counter(
        a for lab in SECTION_LABELS.values() for e in load_catalogue().all(lab) for a in e.aliases
    )
    assert [a for a, n in aliases.items() if n > 1] == []
