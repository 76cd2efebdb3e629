"""Consistency of the content: every line of the summary is a fact (or knowingly left out),
every fact is kept once and reachable from training questions, every name used exists,
every answer carries its source, and every number said is in the summary."""

import json
import re
from collections import Counter
from urllib.parse import urlparse

import yaml

from actions.catalogue import SECTION_LABELS, load_catalogue
from actions.compose import ANSWER, topic_message
from actions.feedback import FEEDBACK_INTENT
from actions.knowledge import LEFT_OUT_FILE, load_knowledge
from actions.tour_steps import load_tour
from bot.nlu.fact_ranker import CONTROL_INTENTS, DECLINE_INTENTS
from bot.policies.content_policy import EXTRA_INTENTS
from bot.tools.evaluation.heldout import (
    HELDOUT,
    TRAINING_DIR,
    examples_in,
    leaked,
    training_examples,
)

BASIC_INTENTS = {"greet", "goodbye", "thanks", "help", "bot_challenge", "out_of_scope", "restart"}
TOUR_INTENTS = {"tour_start", "tour_next", "tour_back", "tour_skip", "tour_stop", "tour_resume"}
FOLLOWUP_INTENTS = {"tell_more", "ask_example", "ask_source"}
LINK_INTENTS = {"ask_link"}
# Sent only by buttons, never typed: no training or held-out questions.
PAYLOAD_INTENTS = {FEEDBACK_INTENT}
ALLOWED_HOSTS = {"www.coproductioncollective.co.uk", "twitter.com"}
MIN_EXAMPLES = 15
MIN_FACT_EXAMPLES = 5
# A sentence of the summary is said by a fact when this share of its words is in one topic.
COVERED = 0.75


def words(text: str) -> set[str]:
    text = text.lower().replace("’", "'")
    return {w for w in re.findall(r"[a-z0-9£%]+", text) if len(w) > 2 or w.isdigit()}


def fact_examples(directory=TRAINING_DIR) -> Counter:
    """How many questions point at each fact (intent metadata ``fact``), by (topic, fact)."""
    counts: Counter = Counter()
    paths = sorted(directory.glob("*.yml")) if directory.is_dir() else [directory]
    for path in paths:
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            fact = (block.get("metadata") or {}).get("fact")
            if fact:
                lines = [
                    x for x in str(block["examples"]).splitlines() if x.strip().startswith("- ")
                ]
                counts[(block["intent"], fact)] += len(lines)
    return counts


def test_every_intent_is_a_topic_or_a_known_kind(domain: dict) -> None:
    known = (
        set(load_knowledge().topics)
        | BASIC_INTENTS
        | TOUR_INTENTS
        | FOLLOWUP_INTENTS
        | LINK_INTENTS
        | set(DECLINE_INTENTS)
        | set(EXTRA_INTENTS)
        | PAYLOAD_INTENTS
    )
    assert set(domain["intents"]) == known


def test_control_intents_are_intents(domain: dict) -> None:
    assert CONTROL_INTENTS <= set(domain["intents"])


def test_every_intent_has_enough_varied_training_examples(domain: dict) -> None:
    counts = Counter(intent for _, intent in training_examples())
    assert set(counts) == set(domain["intents"]) - PAYLOAD_INTENTS
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
    assert set(counts) == set(domain["intents"]) - PAYLOAD_INTENTS
    assert min(counts.values()) >= 8
    assert leaked(heldout, training_examples()) == []


def test_every_fact_has_training_and_heldout_questions_under_its_own_topic() -> None:
    knowledge = load_knowledge()
    for source, minimum in ((TRAINING_DIR, MIN_FACT_EXAMPLES), (HELDOUT, 1)):
        counts = fact_examples(source)
        for (topic, fact), _ in counts.items():
            assert fact in knowledge.facts, f"{source}: unknown fact {fact}"
            assert knowledge.facts[fact].topic == topic, f"{source}: {fact} is not in {topic}"
        thin = [f for f in knowledge.facts if counts[(knowledge.facts[f].topic, f)] < minimum]
        assert not thin, f"{source}: facts with fewer than {minimum} questions: {thin}"


def test_every_sentence_of_the_summary_is_a_fact_a_link_or_left_out(source_text: str) -> None:
    knowledge = load_knowledge()
    said = [
        words(" ".join([t.intro, t.outro, *(f.plain + " " + f.intro for f in t.facts)]))
        for t in knowledge.topics.values()
    ]
    said += [words(f"{e.title} {e.note or ''}") for lab in SECTION_LABELS.values()
             for e in load_catalogue().all(lab)]  # fmt: skip
    left_out = yaml.safe_load(LEFT_OUT_FILE.read_text(encoding="utf-8"))
    assert all(group["why"] for group in left_out.values())
    known_left_out = [words(line) for group in left_out.values() for line in group["lines"]]
    missing = []
    for line in source_text.splitlines():
        line = re.sub(r"\]\(.*?\)", "", line).replace("[", "").replace("]", "")
        for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
            found = words(sentence)
            if not found or found in known_left_out:
                continue
            if max(len(found & s) / len(found) for s in said) < COVERED:
                missing.append(sentence)
    assert not missing, missing


def test_left_out_lines_are_lines_of_the_summary(source_text: str) -> None:
    def flat(text: str) -> str:
        return " ".join(re.sub(r"\]\(.*?\)", "", text).replace("[", "").replace("]", "").split())

    left_out = yaml.safe_load(LEFT_OUT_FILE.read_text(encoding="utf-8"))
    for group in left_out.values():
        for line in group["lines"]:
            assert flat(line) in flat(source_text), line


def test_no_fact_is_said_twice(domain: dict) -> None:
    knowledge = load_knowledge()
    texts = Counter(f.plain.lower() for f in knowledge.facts.values())
    assert [t for t, n in texts.items() if n > 1] == []
    # ... nor written out again in a response beside the facts
    responses = " ".join(
        v.get("text", "") for variations in domain["responses"].values() for v in variations
    ).lower()
    repeated = [
        f.id for f in knowledge.facts.values() if len(f.plain) > 40 and f.plain.lower() in responses
    ]
    assert not repeated, repeated


def test_every_topic_answer_names_its_source_section(domain: dict) -> None:
    assert "From: *{section}*" in domain["responses"][ANSWER][0]["text"]
    knowledge = load_knowledge()
    for topic in knowledge.topics.values():
        message = topic_message(knowledge, topic)
        assert message["section"] and message["answer"], topic.name
        assert all(f.section for f in topic.facts), topic.name


def test_every_number_said_is_in_the_summary(domain: dict, source_text: str) -> None:
    source_numbers = set(re.findall(r"\d[\d,]*", source_text.replace(",", "")))
    texts = {f"fact {f.id}": f.plain for f in load_knowledge().facts.values()}
    texts.update({name: v[0].get("text", "") for name, v in domain["responses"].items()})
    for name, text in texts.items():
        text = re.sub(r"\{\w+\}", "", text)  # template slots
        text = re.sub(r"(Value|value|Section|Case study #|Step) ?\d", "", text)
        for number in re.findall(r"\d[\d,]*", text.replace(",", "")):
            assert number in source_numbers, f"{name}: {number} is not in the summary"


def all_buttons(domain: dict) -> list[str]:
    """Payloads as Rasa sends them: {{ and }} in domain.yml are literal braces."""
    payloads = [
        button["payload"].replace("{{", "{").replace("}}", "}")
        for variations in domain["responses"].values()
        for variation in variations
        for button in variation.get("buttons", [])
    ]
    payloads += [b["payload"] for t in load_knowledge().topics.values() for b in t.buttons]
    return payloads


def test_every_button_names_a_known_intent_and_catalogue_entry(domain: dict) -> None:
    catalogue = load_catalogue()
    for payload in all_buttons(domain):
        match = re.fullmatch(r"/(\w+)(\{.*\})?", payload)
        assert match, payload
        assert match.group(1) in domain["intents"], payload
        for label, value in json.loads(match.group(2) or "{}").items():
            assert label in domain["entities"], payload
            assert catalogue.resolve(label, value), payload


def test_follow_ups_tour_and_items_name_what_exists() -> None:
    knowledge = load_knowledge()
    catalogue = load_catalogue()

    def exists(target: dict) -> bool:
        if "topic" in target:
            return target["topic"] in knowledge.topics
        return all(catalogue.resolve(label, key) for label, key in target.items())

    for topic in knowledge.topics.values():
        for target in filter(None, [topic.more, topic.example, *topic.items]):
            assert exists(target), (topic.name, target)
        assert not topic.lead or topic.lead in knowledge.facts, topic.name
    for step in load_tour().steps:
        assert step.topic in knowledge.topics, step.id
        assert all(knowledge.facts[f].topic == step.topic for f in step.facts), step.id


def test_rules_name_only_known_responses_and_actions(domain: dict, rules: list[dict]) -> None:
    known = set(domain["responses"]) | set(domain.get("actions", []))
    for rule in rules:
        for step in rule["steps"]:
            if "action" in step:
                assert step["action"] in known, f"{rule['rule']}: {step['action']}"


def test_no_rule_is_written_per_topic(rules: list[dict]) -> None:
    """Content intents are answered by ContentPolicy, derived from the content."""
    topics = set(load_knowledge().topics)
    per_topic = [r["rule"] for r in rules for s in r["steps"] if s.get("intent") in topics]
    assert per_topic == []


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


def given_links(domain: dict) -> list[tuple[str, str]]:
    """(label, url) of every link the link action can give: each entry and each strand's."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.links import ActionShowLinks
    from tests.trackers import tracker

    catalogue = load_catalogue()
    requests = [{label: e.key} for label in SECTION_LABELS.values() for e in catalogue.all(label)]
    requests += [{"strand": s.key, "format": f} for s in catalogue.all("strand") for f in s.links]
    requests += [{}]  # the list to choose from
    found = []
    for request in requests:
        entities = [{"entity": label, "value": key} for label, key in request.items()]
        dispatcher = CollectingDispatcher()
        ActionShowLinks().run(dispatcher, tracker("ask_link", entities=entities), domain)
        for message in dispatcher.messages:
            found += re.findall(r"\[([^\]]+)\]\(([^)\s]+)\)", message.get("text") or "")
    return found


def test_a_link_to_a_general_page_says_so_in_its_label(domain: dict) -> None:
    """ "Noreen's story" opens the project page, not the story: its label must say so."""
    data = yaml.safe_load(open("actions/content/links.yml", encoding="utf-8"))
    pages = {p["url"]: p["marker"] for p in data["pages"].values()}
    assert all(marker.strip() for marker in pages.values())
    the_pages = {e.title for lab in SECTION_LABELS.values() for e in load_catalogue().all(lab)
                 if e.is_the_page}  # fmt: skip
    links = given_links(domain)
    assert len(links) > 20
    general = [(label, url) for label, url in links if url.rstrip("/") in
               {u.rstrip("/") for u in pages}]  # fmt: skip
    assert general, "no link to a general page was given"
    unmarked = [
        label
        for label, url in general
        if label not in the_pages and not any(m in label for m in pages.values())
    ]
    assert unmarked == [], f"links to a general page without its marker: {unmarked}"
    assert "Noreen's story (on the project page)" in {label for label, _ in links}


def test_followup_fallbacks_name_existing_topics() -> None:
    from actions.followup import load_fallbacks

    fallbacks = load_fallbacks()
    topics = load_knowledge().topics
    offered = fallbacks["offer_when_nothing_to_follow"]
    assert offered and set(offered) <= set(topics)
    assert fallbacks["default_example"]["topic"] in topics
