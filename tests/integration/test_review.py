"""``make review`` against conversations held by real servers (REST and the widget's socket.io).

The synthetic conversations of ``bot/tools/review/demo.yml`` (never real people's words) are
played on fresh servers, one widget conversation leaves a Not helpful comment, then the
review is written from the stored conversations and read back: the declined question with
its duplicates, the comment with the question before it, no sender id in clear, candidates
in Rasa's NLU format, and a page axe-core finds nothing wrong with, in Chromium.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from actions.feedback import feedback_payload
from bot.tools.review import cli
from bot.tools.review.demo import last_answer_id, load_demo, play
from bot.tools.servers import assistant as start_assistant
from tests.integration.conftest import MODEL, SOCKET_SECRET
from tests.integration.socket_client import exchange, first
from tests.integration.widget_helpers import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.integration
WIDGET_COMMENT = "Please say when the summary was published"
EPPI = [
    "How many people work at the EPPI Centre?",
    "how many staff does the EPPI Centre have?",
    "How many employees are there at the EPPI Centre?",
]


def widget_feedback(base_url: str, tracker) -> str:
    """A widget conversation: a question, then Not helpful with a comment. Its sender id."""
    session = first(exchange(base_url, [("session_request", None)]), "session_confirm")
    rejoin = ("session_request", {"session_id": session["session_id"], "token": session["token"]})
    asked = exchange(base_url, [rejoin, ("user_uttered", {"message": "what is co-production?"})])
    sender = session["conversation_id"]
    payload = feedback_payload("not_helpful", last_answer_id(tracker(sender)), WIDGET_COMMENT)
    token = first(asked, "session_token")["token"]
    exchange(
        base_url,
        [
            ("session_request", {**rejoin[1], "token": token}),
            ("user_uttered", {"message": payload, "metadata": {"feedback": True}}),
        ],
    )
    return sender


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    work = tmp_path_factory.mktemp("review")
    env = {"SOCKET_SESSION_SECRET": SOCKET_SECRET}
    with start_assistant(MODEL, work / "servers", env=env) as running:
        senders = play(load_demo(), running.say, running.tracker, prefix="review-test")
        senders.append(widget_feedback(running.base_url, running.tracker))
        arguments = ["--since", "1d", "--out", str(work / "out"), "--key", str(work / "key"),
                     "--endpoints", str(work / "servers" / "endpoints.yml"),
                     "--export", str(work / "out" / "candidates.yml")]  # fmt: skip
        assert cli.main(arguments) == 0
    yield work / "out", senders


def test_the_declined_question_is_grouped_with_its_duplicates(reviewed) -> None:
    out, _ = reviewed
    markdown = (out / "review.md").read_text(encoding="utf-8")
    rows = [line for line in markdown.splitlines() if EPPI[0] in line and line.startswith("|")]
    row = rows[0].split(" | ")
    assert all(question in row[0] for question in EPPI)
    assert row[1] == "3" and row[2] == "not in the summary"
    assert row[3].startswith("The team and partners (")
    assert "The summary doesn't say that" in row[4]


def test_not_helpful_answers_come_with_the_question_and_the_comment(reviewed) -> None:
    out, _ = reviewed
    markdown = (out / "review.md").read_text(encoding="utf-8")
    section = markdown.split("## Answers marked")[1].split("## ")[0]
    comments = {
        line.split(" | ")[2]: line.split(" | ")[0].lstrip("| ")
        for line in section.splitlines()
        if line.startswith("| ") and "Question asked" not in line
    }
    assert comments[WIDGET_COMMENT] == "what is co-production?"
    assert comments["No figures on savings for my council"] == "Is co-production cost-effective?"
    assert WIDGET_COMMENT in (out / "index.html").read_text(encoding="utf-8")


def test_usage_handoffs_and_the_tour_are_counted(reviewed) -> None:
    markdown = (reviewed[0] / "review.md").read_text(encoding="utf-8")
    assert "| how do I fix my boiler? |" in markdown  # the third miss: a hand-off
    per_day = markdown.split("| Day (UTC) | REST API | web widget |")[1].splitlines()
    assert per_day[2].endswith(" | 1 |")  # the widget's question (its feedback is no question)
    assert "| 1. What co-production is | 3 |" in markdown
    assert "| 8. Value 5: connecting us as humans | 1 |" in markdown
    for plot in ("messages-per-day.png", "answers-per-topic.png", "tour-progress.png"):
        assert (reviewed[0] / plot).stat().st_size > 1000


def test_no_sender_id_is_shown_in_clear(reviewed) -> None:
    out, senders = reviewed
    for path in out.iterdir():
        if path.suffix in (".html", ".md", ".yml"):
            text = path.read_text(encoding="utf-8")
            leaked = [s for s in senders if s in text or s.split(":")[-1] in text]
            assert leaked == [], path.name
    assert "visitor-" in (out / "review.md").read_text(encoding="utf-8")


def test_candidates_are_rasa_nlu_with_the_nearest_topic(reviewed) -> None:
    out, _ = reviewed
    data = RasaYAMLReader().reads((out / "candidates.yml").read_text(encoding="utf-8"))
    suggested = {m.get("text"): m.get("intent") for m in data.intent_examples}
    assert {suggested[q] for q in EPPI} == {"project_team"}
    assert suggested["what's the weather tomorrow?"] == "out_of_scope"


def test_the_page_is_accessible(reviewed) -> None:
    page_file = reviewed[0] / "index.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 800})
            page.goto(page_file.as_uri())
            results = Axe().run(page)
            assert results.violations_count == 0, results.generate_report()
            assert page.locator("table:not(:has(caption))").count() == 0
            assert page.locator("img:not([alt])").count() == 0
            assert page.locator("h1").count() == 1
        finally:
            browser.close()
