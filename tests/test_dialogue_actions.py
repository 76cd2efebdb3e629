"""Unit tests of the walkthrough, follow-up and miss actions (rasa_sdk dispatcher and tracker)."""

from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.followup import ActionFollowup
from actions.knowledge import load_knowledge
from actions.misses import ActionHandleMiss
from actions.tour import ActionTour
from actions.tour_steps import load_tour
from tests.conftest import ROOT
from tests.trackers import recorded, rendered, tracker

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
TOUR = load_tour()
LAST = len(TOUR.steps) - 1


def run(action, t: Tracker) -> tuple[list[dict], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, DOMAIN)
    return rendered(dispatcher.messages, DOMAIN), {
        e["name"]: e["value"] for e in events if e["event"] == "slot"
    }


def in_tour(step: int, active: bool = True) -> dict[str, Any]:
    return {"tour_step": TOUR.steps[step].id, "tour_active": active}


# ---------- the walkthrough ----------


def test_start_shows_step_one_with_its_position_and_controls() -> None:
    messages, slots = run(ActionTour(), tracker("tour_start"))
    assert messages[0]["response"] == "utter_tour_welcome"
    step = messages[1]
    assert step["text"].startswith(f"**Step 1 of {len(TOUR.steps)}: What co-production is**")
    # the step shows the fact it names, in the summary's words
    assert load_knowledge().facts["definition"].text in step["text"]
    assert "our approach" not in step["text"]
    payloads = [b["payload"] for b in step["buttons"]]
    assert payloads == [
        '/tour_next{"from_step":"what"}',
        '/tour_skip{"from_step":"what"}',
        '/tour_stop{"from_step":"what"}',
        "/define_coproduction",  # "Tell me more": the step's whole topic
    ]
    # numbered without gaps: the first step has no "Back"
    titles = [b["title"] for b in step["buttons"]]
    assert titles == ["1. Next", "2. Skip this section", "3. Stop the tour", "Tell me more"]
    assert step["tour_step"] == "what"  # the message says it is a tour step
    assert slots == {
        "tour_step": "what",
        "tour_active": True,
        "last_topic": "tour:define_coproduction",
    }


def test_next_back_and_skip_move_through_the_steps() -> None:
    _, slots = run(ActionTour(), tracker("tour_next", in_tour(0)))
    assert slots["tour_step"] == TOUR.steps[1].id
    _, slots = run(ActionTour(), tracker("tour_back", in_tour(2)))
    assert slots["tour_step"] == TOUR.steps[1].id
    _, slots = run(ActionTour(), tracker("tour_skip", in_tour(0)))
    assert slots["tour_step"] == "value_outcomes"  # first step of the next section


def test_later_steps_number_back_as_two() -> None:
    messages, _ = run(ActionTour(), tracker("tour_next", in_tour(0)))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == [
        "1. Next",
        "2. Back",
        "3. Skip this section",
        "4. Stop the tour",
        "Tell me more",
    ]


def from_step(step: int) -> list[dict[str, Any]]:
    return [{"entity": "from_step", "value": TOUR.steps[step].id}]


def test_a_button_of_an_earlier_step_acts_on_that_step() -> None:
    # "Next" pressed under step 1 while the tour is at step 7 goes to step 2, not step 8
    pressed = tracker("tour_next", in_tour(6), entities=from_step(0))
    messages, slots = run(ActionTour(), pressed)
    assert slots["tour_step"] == TOUR.steps[1].id
    assert "Step 2 of" in messages[0]["text"]
    # and after the tour was stopped, it starts again from the step the button was under
    _, slots = run(ActionTour(), tracker("tour_back", in_tour(6, False), entities=from_step(3)))
    assert slots == {
        "tour_step": TOUR.steps[2].id,
        "tour_active": True,
        "last_topic": f"tour:{TOUR.steps[2].topic}",
    }


@pytest.mark.parametrize(
    ("step", "typed", "intent", "moves_to"),
    [
        (0, "2", "tour_back", "value_outcomes"),  # at step 1, "2." is "Skip this section"
        (0, "option 3", "tour_skip", None),  # ... and "3." stops the tour
        (3, "2", "tour_back", "who"),  # from step 2 on, "2." is "Back"
        (3, "1", "tour_next", "value_efficiency"),
    ],
)
def test_a_typed_number_picks_the_control_showing_it(
    step: int, typed: str, intent: str, moves_to: str | None
) -> None:
    messages, slots = run(ActionTour(), tracker(intent, in_tour(step), text=typed))
    if moves_to is None:
        assert messages[0]["response"] == "utter_tour_stopped"
    else:
        assert slots["tour_step"] == moves_to


def test_back_at_step_one_says_so_and_stays() -> None:
    messages, slots = run(ActionTour(), tracker("tour_back", in_tour(0)))
    assert messages[0]["response"] == "utter_tour_first_step"
    assert slots["tour_step"] == TOUR.steps[0].id
    assert "Step 1 of" in messages[1]["text"]


def test_next_at_the_last_step_ends_with_a_recap() -> None:
    messages, slots = run(ActionTour(), tracker("tour_next", in_tour(LAST)))
    assert [m["response"] for m in messages] == ["utter_tour_end"]
    assert slots == {"tour_step": None, "tour_active": False, "last_topic": None}


def test_skip_in_the_last_section_ends_the_tour() -> None:
    messages, _ = run(ActionTour(), tracker("tour_skip", in_tour(LAST - 1)))
    assert messages[-1]["response"] == "utter_tour_end"


def test_stop_keeps_the_position_and_resume_returns_to_it() -> None:
    messages, slots = run(ActionTour(), tracker("tour_stop", in_tour(5)))
    assert messages[0]["response"] == "utter_tour_stopped"
    assert slots == {"tour_active": False}
    messages, slots = run(ActionTour(), tracker("tour_resume", in_tour(5, active=False)))
    assert f"Step 6 of {len(TOUR.steps)}" in messages[0]["text"]
    assert slots["tour_active"] is True


@pytest.mark.parametrize("intent", ["tour_next", "tour_back", "tour_skip"])
def test_controls_while_paused_resume_at_the_same_step(intent: str) -> None:
    _, slots = run(ActionTour(), tracker(intent, in_tour(4, active=False)))
    assert slots["tour_step"] == TOUR.steps[4].id


def test_an_unknown_step_after_content_changed_restarts_the_tour() -> None:
    messages, slots = run(
        ActionTour(), tracker("tour_resume", {"tour_step": "gone", "tour_active": True})
    )
    assert messages[0]["response"] == "utter_tour_changed"
    assert slots["tour_step"] == TOUR.steps[0].id


def test_every_tour_step_has_its_own_id() -> None:
    assert len({s.id for s in TOUR.steps}) == len(TOUR.steps)


# ---------- follow-ups ----------


def test_tell_more_after_a_tour_step_gives_the_full_answer() -> None:
    messages, slots = run(
        ActionFollowup(), tracker("tell_more", {"last_topic": "tour:value_efficiency"})
    )
    assert messages[0]["response"] == "utter_answer"
    assert "cognitive diversity" in messages[0]["answer"]
    assert slots["last_topic"] == "value_efficiency"


def test_tell_more_after_an_answer_goes_deeper() -> None:
    messages, slots = run(
        ActionFollowup(), tracker("tell_more", {"last_topic": "evidence_surveys"})
    )
    assert "9691" in messages[0]["answer"]
    assert slots["last_topic"] == "survey_responses"


def test_tell_more_after_a_precise_answer_gives_the_whole_topic() -> None:
    slots = {"last_topic": "storyteller_demographics", "last_fact": "storytellers_age"}
    messages, slots = run(ActionFollowup(), tracker("tell_more", slots))
    assert "Two-thirds" in messages[0]["answer"] and "20-85" in messages[0]["answer"]
    assert slots["last_fact"] is None


def test_tell_more_after_one_of_the_five_values_gives_that_value() -> None:
    slots = {"last_topic": "values_list", "last_fact": "value2_headline"}
    messages, _ = run(ActionFollowup(), tracker("tell_more", slots))
    assert "cognitive diversity" in messages[0]["answer"]


def test_an_example_of_a_value_is_its_personal_story() -> None:
    messages, _ = run(ActionFollowup(), tracker("ask_example", {"last_topic": "value_connection"}))
    assert "Shahid's story" in messages[1]["text"]


def test_an_example_without_a_story_offers_the_case_studies() -> None:
    messages, _ = run(ActionFollowup(), tracker("ask_example", {"last_topic": "evidence_pilots"}))
    assert "Voices in Maternity Care" in messages[0]["answer"]
    assert len(messages[1]["buttons"]) == 3


def test_source_names_the_answers_section_and_the_summary_link() -> None:
    messages, _ = run(ActionFollowup(), tracker("ask_source", {"last_topic": "survey_responses"}))
    assert messages[0]["response"] == "utter_source"
    assert messages[0]["section"] == "Section 2 › Our Evidence Base › 573 online surveys"
    assert "coproductioncollective.co.uk" in messages[1]["text"]


def test_a_follow_up_with_no_earlier_answer_offers_topics() -> None:
    messages, slots = run(ActionFollowup(), tracker("tell_more"))
    assert messages[0]["response"] == "utter_followup_no_topic"
    assert messages[0]["buttons"] and slots == {}


# ---------- misses ----------


def ranking(*pairs: tuple[str, float]) -> list[dict]:
    return [{"name": n, "confidence": c} for n, c in pairs]


def test_two_close_topics_get_a_did_you_mean_with_both_and_something_else() -> None:
    t = tracker(
        "nlu_fallback",
        ranking=ranking(
            ("nlu_fallback", 0.5), ("evidence_surveys", 0.34), ("survey_responses", 0.3)
        ),
    )
    messages, slots = run(ActionHandleMiss(), t)
    assert messages[0]["response"] == "utter_did_you_mean"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/evidence_surveys",
        "/survey_responses",
        "/help",
    ]
    assert slots == {}


def test_an_unsure_message_with_no_close_pair_is_a_miss() -> None:
    t = tracker(
        "nlu_fallback", ranking=ranking(("nlu_fallback", 0.5), ("contact", 0.2), ("caveats", 0.05))
    )
    messages, slots = run(ActionHandleMiss(), t)
    assert messages[0]["response"] == "utter_out_of_scope"
    assert slots == {"miss_count": 1}


def test_when_nlu_is_unsure_of_everything_it_declines_instead_of_guessing() -> None:
    t = tracker(
        "nlu_fallback",
        ranking=ranking(("nlu_fallback", 0.3), ("values_list", 0.26), ("project_aim", 0.22)),
    )
    messages, _ = run(ActionHandleMiss(), t)
    assert messages[0]["response"] == "utter_out_of_scope"


def test_when_off_topic_is_one_of_the_two_it_declines_instead_of_guessing() -> None:
    t = tracker(
        "nlu_fallback",
        ranking=ranking(("nlu_fallback", 0.25), ("out_of_scope", 0.24), ("project_aim", 0.24)),
    )
    messages, slots = run(ActionHandleMiss(), t)
    assert messages[0]["response"] == "utter_out_of_scope"
    assert slots == {"miss_count": 1}


def test_the_third_miss_in_a_row_offers_the_human_contact() -> None:
    messages, slots = run(ActionHandleMiss(), tracker("out_of_scope", {"miss_count": 1}))
    assert messages[0]["response"] == "utter_out_of_scope" and slots == {"miss_count": 2}
    messages, slots = run(ActionHandleMiss(), tracker("out_of_scope", {"miss_count": 2}))
    assert [m["response"] for m in messages] == ["utter_handoff", "utter_answer"]
    assert "coproduction@ucl.ac.uk" in messages[1]["answer"]
    assert slots == {"miss_count": 0}


# ---------- recorded conversations (tests/fixtures/trackers/) ----------


def test_a_question_mid_tour_is_answered_and_offers_to_carry_on() -> None:
    from actions.answer import ActionAnswer

    messages, slots = run(ActionAnswer(), recorded("mid_tour_question"))
    assert [m.get("response") for m in messages] == ["utter_answer", "utter_tour_offer_continue"]
    assert slots["last_topic"] == "values_list" and len(slots["last_list"]) == 5


def test_tell_more_after_a_recorded_precise_answer_gives_its_whole_topic() -> None:
    state = recorded("after_precise_answer")
    messages, slots = run(ActionFollowup(), state)
    topic = load_knowledge().topics[state.get_slot("last_topic")]
    assert messages[0]["response"] == "utter_answer" and messages[0]["title"] == topic.title
    assert slots["last_topic"] == topic.name and slots["last_fact"] is None
