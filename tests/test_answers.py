"""Unit tests of action_answer and the grounded declines of action_handle_miss."""

from typing import Any

from actions.answer import ActionAnswer
from actions.knowledge import load_knowledge
from actions.misses import ActionHandleMiss
from tests.test_dialogue_actions import run, tracker

KNOWLEDGE = load_knowledge()


def answer(topic: str, fact: str | None = None, order: list[str] | None = None) -> dict:
    return {"topic": topic, "fact": fact, "order": order or []}


def test_a_question_about_one_fact_leads_with_it_and_offers_the_topic() -> None:
    t = tracker(
        "storyteller_demographics",
        answer=answer("storyteller_demographics", "storytellers_disability"),
    )
    messages, slots = run(ActionAnswer(), t)
    first = messages[0]
    assert first["answer"].startswith("**A quarter** described themselves as having a disability")
    assert first["section"] == "Section 2 › Our Evidence Base › 100 community storytellers"
    assert first["buttons"] == [
        {"title": "More about Who the storytellers were", "payload": "/storyteller_demographics"}
    ]
    assert slots["last_topic"] == "storyteller_demographics"
    assert slots["last_fact"] == "storytellers_disability"


def test_a_broad_question_gets_the_whole_topic_best_fact_first() -> None:
    t = tracker("evidence_pilots", answer=answer("evidence_pilots", None, ["pilots_phase2"]))
    messages, slots = run(ActionAnswer(), t)
    text = messages[0]["answer"]
    assert text.index("Phase 2") < text.index("Phase 1")
    assert slots["last_fact"] is None
    assert slots["last_list"] == [{"fact": f.id} for f in KNOWLEDGE.topics["evidence_pilots"].facts]


def test_a_numbered_list_keeps_its_order_and_offers_each_item() -> None:
    t = tracker("values_list", answer=answer("values_list", None, ["value3_headline"]))
    messages, slots = run(ActionAnswer(), t)
    assert messages[0]["answer"].index("1. Delivering") < messages[0]["answer"].index("3. Working")
    assert [b["payload"] for b in messages[0]["buttons"]][:2] == [
        "/value_outcomes",
        "/value_efficiency",
    ]
    assert slots["last_list"][2] == {"topic": "value_social_justice"}


def test_a_button_payload_answers_its_own_intent() -> None:
    messages, _ = run(ActionAnswer(), tracker("contact"))
    assert "07741671200" in messages[0]["answer"]


def test_the_third_one_is_the_third_item_of_the_last_list() -> None:
    slots = {"last_list": KNOWLEDGE.topics["values_list"].list_items()}
    text = "tell me about the third one"
    messages, new = run(ActionAnswer(), tracker("choose_item", slots, text=text))
    assert "power-sharing" in messages[0]["answer"]
    assert new["last_topic"] == "value_social_justice"
    messages, _ = run(ActionAnswer(), tracker("choose_item", slots, text="and the last?"))
    assert "hope for the future" in messages[0]["answer"]


def test_an_ordinal_without_a_list_or_past_its_end_says_so() -> None:
    messages, _ = run(ActionAnswer(), tracker("choose_item", {}, text="the second one"))
    assert messages[0]["response"] == "utter_choose_item_unknown"
    slots = {"last_list": [{"fact": "pilots_phase1"}]}
    messages, _ = run(ActionAnswer(), tracker("choose_item", slots, text="the fourth one"))
    assert messages[0]["response"] == "utter_choose_item_out_of_range"


def test_an_ordinal_can_pick_a_link() -> None:
    slots = {
        "last_list": [
            {"case_study": "voices_in_maternity_care"},
            {"case_study": "hearing_birdsong"},
        ]
    }
    messages, _ = run(ActionAnswer(), tracker("choose_item", slots, text="the 2nd"))
    assert any("Hearing Birdsong" in (m.get("text") or "") for m in messages)


def ranked(*entries: tuple[str, float, bool]) -> list[dict[str, Any]]:
    return [
        {"fact": f, "topic": KNOWLEDGE.facts[f].topic, "score": s, "fits": fits}
        for f, s, fits in entries
    ]


def test_a_fragment_is_answered_from_the_last_topic() -> None:
    slots = {"last_topic": "evidence_pilots", "last_fact": "pilots_phase1"}
    ranking = ranked(("pilots_phase2", 0.9, False), ("responses_94", 0.88, False))
    t = tracker(
        "evidence_pilots",
        slots,
        text="and phase two?",
        fragment=True,
        fact_ranking=ranking,
        answer=answer("survey_responses"),
    )
    messages, _ = run(ActionAnswer(), t)
    assert "£15,000" in messages[0]["answer"]


def test_a_fragment_asking_the_same_kind_stays_on_the_last_fact() -> None:
    slots = {"last_topic": "evidence_pilots", "last_fact": "pilots_phase1"}
    ranking = ranked(("pilots_phase2", 0.9, True), ("pilots_phase1", 0.88, True))
    t = tracker(
        "nlu_fallback",
        slots,
        text="over how long?",
        fragment=True,
        fact_ranking=ranking,
        asked_kinds=["duration"],
    )
    messages, _ = run(ActionHandleMiss(), t)
    assert "4 months" in messages[0]["answer"]


def test_a_fragment_far_from_the_last_topic_is_not_forced_onto_it() -> None:
    slots = {"last_topic": "evidence_pilots"}
    ranking = ranked(("email", 0.95, False), ("pilots_phase2", 0.7, False))
    t = tracker("nlu_fallback", slots, text="and the weather?", fragment=True, fact_ranking=ranking)
    messages, _ = run(ActionHandleMiss(), t)
    assert messages[0]["response"] == "utter_out_of_scope"


def test_a_question_the_summary_does_not_answer_says_so_and_what_it_does_say() -> None:
    decline = {"reason": "not_in_summary", "fact": "team", "question": "How many staff has Gobby?"}
    messages, slots = run(ActionHandleMiss(), tracker("nlu_fallback", decline=decline))
    assert messages[0]["response"] == "utter_decline_not_in_summary"
    assert messages[0]["question"] == "How many staff has Gobby?"
    assert messages[1]["response"] == "utter_decline_what_it_says"
    assert "Gobby" in messages[1]["answer"] and messages[1]["title"] == "The team and partners"
    assert slots == {"miss_count": 1}


def test_advice_is_declined_and_pointed_to_a_professional() -> None:
    messages, _ = run(ActionHandleMiss(), tracker("out_of_scope", decline={"reason": "advice"}))
    assert [m["response"] for m in messages] == ["utter_decline_advice"]


def test_how_to_do_it_points_to_the_contact_details_and_events_page() -> None:
    messages, _ = run(ActionHandleMiss(), tracker("out_of_scope", decline={"reason": "practice"}))
    assert messages[0]["response"] == "utter_decline_practice"
    assert "coproduction@ucl.ac.uk" in messages[1]["answer"]
    assert "events page" in messages[1]["answer"]


def test_mid_tour_an_answer_offers_to_continue() -> None:
    t = tracker("caveats", {"tour_active": True}, answer=answer("caveats"))
    messages, _ = run(ActionAnswer(), t)
    assert messages[-1]["response"] == "utter_tour_offer_continue"


def test_a_story_fact_comes_with_its_link() -> None:
    t = tracker("value_outcomes", answer=answer("value_outcomes", "story_lydia"))
    messages, _ = run(ActionAnswer(), t)
    assert any(
        "[Lydia's story (on the project page)](https://" in (m.get("text") or "") for m in messages
    )
