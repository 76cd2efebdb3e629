"""The conversation controls of the web widget (issue 13), in Chromium against the real
servers, each at desktop size and 320 px wide, in the light and the dark colour scheme, with
axe-core: copy with source and answer feedback, a new conversation, tour buttons that act on
their own step, scrolling, the unread badge, keyboard order and focus, one conversation per tab.

Feedback is checked as far as the widget goes (what it sends, and the stored user message):
what the server does with it is issue 14's.
"""

import json
import time
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from tests.integration.conftest import Assistant
from tests.integration.widget_helpers import (
    CAPTURE_SOCKETS,
    LOOKS,
    Traffic,
    Widget,
    browser_context,
)
from tests.servers import STEPS

pytestmark = pytest.mark.integration
SURVEYS = "how many surveys were submitted?"
SUMMARY_URL = (
    "https://www.coproductioncollective.co.uk/what-is-co-production/value-of-co-production"
)


@pytest.fixture(params=list(LOOKS), ids=list(LOOKS))
def look(request: pytest.FixtureRequest) -> dict:
    return LOOKS[request.param]


@pytest.fixture
def opened(browser: Browser, assistant: Assistant, look: dict) -> Iterator[tuple[Widget, Traffic]]:
    """The widget, open, in a fresh context of the given size and scheme."""
    with browser_context(browser, **look) as (context, traffic):
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=assistant.base_url)
        page = context.new_page()
        page.add_init_script(CAPTURE_SOCKETS)
        widget = Widget(page, assistant.base_url).load().open()
        expect(widget.button("New conversation")).to_be_visible()  # the server's words came
        yield widget, traffic
        assert not traffic.foreign_hosts(), traffic.urls
        assert not traffic.dialogs


def axe_clean(widget: Widget) -> None:
    results = Axe().run(widget.page)
    assert results.violations_count == 0, results.generate_report()


def session_id(widget: Widget) -> str:
    return widget.stored()["sessionId"]


def answer_id(widget: Widget, containing: str) -> str:
    """The id of the content answer whose text contains ``containing``, as the widget keeps it."""
    entries = widget.stored()["transcript"]
    return [e["answer"]["id"] for e in entries if containing in e["text"] and e.get("answer")][-1]


# The message's first line is inside the log's visible part.
IN_VIEW = (
    "(m) => m.offsetTop >= m.parentElement.scrollTop - 10 && "
    "m.offsetTop < m.parentElement.scrollTop + m.parentElement.clientHeight"
)


def feedback_sent(traffic: Traffic) -> list[dict]:
    """The feedback messages the widget sent: their Rasa payload decoded, and metadata."""
    found = []
    for data in traffic.sent_messages():
        if data["message"].startswith("/feedback{"):
            found.append({**json.loads(data["message"][len("/feedback") :]), **data["metadata"]})
    return found


def test_a_content_answer_can_be_copied_with_its_source_and_rated(
    opened: tuple[Widget, Traffic], assistant: Assistant
) -> None:
    widget, traffic = opened
    widget.ask(SURVEYS)
    answer = widget.answer_message("573 online surveys")
    first_id = answer_id(widget, "573 online surveys")
    axe_clean(widget)

    answer.get_by_role("button", name="Copy with source").click()
    expect(answer.locator("[aria-live=polite]", has_text="Copied")).to_be_visible()
    copied = widget.page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("573 online surveys were submitted")  # plain text, no ** marks
    assert "Source: Section 2 › Our Evidence Base › 573 online surveys" in copied
    assert "The Value of Co-Production interactive summary" in copied
    assert "version 1.0, 31 October 2022" in copied and SUMMARY_URL in copied
    assert "From:" not in copied  # the source line replaces the answer's own

    users = widget.user.count()
    answer.get_by_role("button", name="Helpful", exact=True).click()
    thanks = answer.locator("[aria-live=polite]", has_text="Thanks for your feedback.")
    expect(thanks).to_be_visible()
    expect(widget.input).to_be_focused()
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_count(0)
    expect(widget.user).to_have_count(users)  # not shown as something the person said

    widget.ask("what is co-production?")
    second = widget.answer_message("Co-production can be defined as")
    second_id = answer_id(widget, "Co-production can be defined as")
    second.get_by_role("button", name="Not helpful").click()
    comment = second.get_by_label("What was missing or wrong? (optional)")
    expect(comment).to_be_focused()
    expect(comment).to_have_attribute("maxlength", "500")
    axe_clean(widget)
    comment.fill('I wanted "the" figures {in full}')
    second.get_by_role("button", name="Send").click()
    expect(second.get_by_text("Thanks for your feedback.")).to_be_visible()
    expect(widget.user).to_have_count(users + 1)  # only the typed question

    expected = [
        {"rating": "helpful", "answer_id": first_id, "comment": "", "feedback": True},
        {
            "rating": "not_helpful",
            "answer_id": second_id,
            "comment": 'I wanted "the" figures {in full}',
            "feedback": True,
        },
    ]
    assert feedback_sent(traffic) == expected
    conversation = f"web:{session_id(widget)}"

    def stored_feedback() -> list[str]:
        return [t for t in assistant.user_texts(conversation) if t.startswith("/feedback")]

    deadline = time.monotonic() + 30  # stored when its turn is over
    while len(stored := stored_feedback()) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [json.loads(t[len("/feedback") :]) for t in stored] == [
        {k: v for k, v in e.items() if k != "feedback"} for e in expected
    ]
    widget.page.reload()  # the thanks stay; the buttons do not come back
    expect(widget.panel.get_by_text("Thanks for your feedback.")).to_have_count(2)
    expect(widget.button("Not helpful")).to_have_count(0)
    axe_clean(widget)


def test_tour_buttons_act_on_their_step_and_a_new_conversation_starts_afresh(
    opened: tuple[Widget, Traffic], assistant: Assistant
) -> None:
    widget, _ = opened
    assert f"Step 1 of {STEPS}" in widget.click_choice("Take the guided tour")
    step_one = widget.answer_message(f"Step 1 of {STEPS}")
    expect(step_one.get_by_role("button")).to_have_text(
        ["1. Next", "2. Skip this section", "3. Stop the tour", "Tell me more"]
    )
    assert f"Step 2 of {STEPS}" in widget.click_choice("1. Next")
    assert f"Step 3 of {STEPS}" in widget.click_choice("1. Next")
    # step 1's "Next", pressed again at step 3, moves on from step 1
    before = widget.bot.count()
    step_one.get_by_role("button", name="1. Next").click()
    widget.wait_for_answer(before)
    assert f"Step 2 of {STEPS}" in widget.answer_since(before)
    expect(step_one.locator(".cpc-used")).to_contain_text("(chosen)")

    old = session_id(widget)
    widget.button("New conversation").click()  # mid-tour: it asks first
    expect(widget.button("Yes, start again")).to_be_focused()
    axe_clean(widget)
    widget.page.keyboard.press("Escape")  # no: nothing changes, focus goes back
    expect(widget.button("Yes, start again")).to_have_count(0)
    expect(widget.button("New conversation")).to_be_focused()
    expect(widget.panel).to_be_visible()
    widget.button("New conversation").click()
    widget.button("Yes, start again").click()
    expect(widget.log.locator(".cpc-notice")).to_contain_text("New conversation started")
    expect(widget.bot).to_have_count(1)  # the fresh welcome
    expect(widget.bot.first).to_contain_text("Hello! I can tell you about")
    expect(widget.input).to_be_focused()
    expect(widget.log).not_to_contain_text(f"Step 2 of {STEPS}")
    new = session_id(widget)
    assert new and new != old
    # the old conversation is kept, ended the Rasa way
    events = assistant.all_events(f"web:{old}")
    names = [e["event"] for e in events]
    assert "restart" in names[names.index("user") :]  # Rasa's Restarted, after the turns
    assert [e.get("text") for e in events if e["event"] == "user"][-1] == "/restart"
    axe_clean(widget)

    # typed, with no tour running: no question asked, and no tour started
    widget.ask(SURVEYS)
    widget.input.fill("start over")
    widget.input.press("Enter")
    expect(widget.log).not_to_contain_text("573", timeout=30_000)
    expect(widget.bot).to_have_count(1, timeout=30_000)
    expect(widget.log).not_to_contain_text(f"Step 1 of {STEPS}")
    assert session_id(widget) not in (old, new)
    assert assistant.user_texts(f"web:{new}") == []  # after its restart: nothing
    assert "start over" in [e.get("text") for e in assistant.all_events(f"web:{new}")]


def emit_from_the_widget(widget: Widget, text: str) -> None:
    """A message on the widget's own socket that the person did not type, so its reply
    arrives without the log being moved for a message sent."""
    widget.page.wait_for_function("() => window.__sockets && window.__sockets[0].connected")
    widget.page.evaluate(
        """(text) => {
          const saved = JSON.parse(sessionStorage.getItem("copro-chat:" + location.origin));
          window.__sockets[0].emit("user_uttered",
            { message: text, session_id: saved.sessionId, token: saved.token });
        }""",
        text,
    )


def test_scrolling_keeps_the_readers_place_and_unread_replies_show_on_the_launcher(
    opened: tuple[Widget, Traffic],
) -> None:
    widget, _ = opened
    log = widget.log
    widget.ask("why was the project started?")
    widget.ask("what are the five values?")
    answer = widget.answer_message("The headlines")
    assert answer.evaluate(IN_VIEW)  # a new answer is shown from its first line
    tall = answer.evaluate("(m) => m.offsetHeight > m.parentElement.clientHeight")
    jump = widget.panel.locator(".cpc-jump")
    if tall:
        expect(jump).to_have_text("More below")

    log.evaluate("(l) => { l.scrollTop = 0; }")  # the reader goes back up
    widget.page.wait_for_timeout(300)  # the position is kept a moment after scrolling
    count = widget.bot.count()
    emit_from_the_widget(widget, SURVEYS)
    expect(widget.bot).to_have_count(count + 1, timeout=60_000)
    assert log.evaluate("(l) => l.scrollTop") == 0  # the log did not move
    expect(jump).to_have_text("New message")
    axe_clean(widget)
    jump.click()
    expect(jump).to_be_hidden()
    expect(log).to_be_focused()
    assert widget.answer_message("573 online surveys").evaluate(IN_VIEW)

    # a reload comes back to the same place, not to the welcome
    log.evaluate("(l) => { l.scrollTop = Math.floor(l.scrollHeight / 3); }")
    widget.page.wait_for_timeout(300)
    place = log.evaluate("(l) => l.scrollTop")
    widget.page.reload()
    expect(widget.bot).to_have_count(count + 1)
    assert abs(log.evaluate("(l) => l.scrollTop") - place) <= 4

    # a reply while the chat is closed: a badge with its count, announced politely
    widget.button("Close chat").click()
    expect(widget.panel).to_be_hidden()
    emit_from_the_widget(widget, "what is co-production?")
    badge = widget.page.locator(".cpc-badge")
    expect(badge).to_be_visible(timeout=60_000)
    expect(badge).to_have_text("1")
    expect(widget.launcher).to_have_accessible_name("Chat about co-production (1 new message)")
    status = widget.page.locator("#cpc-root > [role=status]")
    expect(status).to_have_text("1 new message")
    axe_clean(widget)
    widget.launcher.click()
    expect(badge).to_be_hidden()
    expect(status).to_have_text("")
    # the reply that came while it was closed is shown from its first line
    assert widget.answer_message("Co-production can be defined as").evaluate(IN_VIEW)


def test_tab_reaches_the_newest_controls_first_and_focus_follows_a_press(
    opened: tuple[Widget, Traffic],
) -> None:
    widget, _ = opened
    page = widget.page
    widget.ask("what are the five values?")
    newest = widget.answer_message("The headlines")
    widget.log.focus()
    page.keyboard.press("Tab")
    first = newest.get_by_role("button").first
    expect(first).to_be_focused()  # not the welcome's buttons, far above
    expect(first).to_have_text("Value 1: outcomes that matter")
    page.keyboard.press("ArrowUp")  # the arrow keys reach the older ones
    expect(widget.bot.first.get_by_role("button").last).to_be_focused()
    expect(widget.bot.first.get_by_role("button").last).to_have_text("Take the guided tour")
    page.keyboard.press("ArrowDown")
    expect(first).to_be_focused()
    before = widget.bot.count()
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()  # the pressed button scrolls away: focus does not
    widget.wait_for_answer(before)
    assert "Value 1" in widget.answer_since(before)
    expect(widget.log).to_have_attribute("aria-live", "polite")  # the answer is announced
    axe_clean(widget)


@pytest.mark.parametrize("look", ["desktop-light", "320px-dark"], indirect=True)
def test_a_tab_opened_from_the_page_gets_its_own_conversation(
    opened: tuple[Widget, Traffic], assistant: Assistant
) -> None:
    first, _ = opened
    first.ask("what are the five values?")
    with first.page.context.expect_page() as opening:
        first.page.evaluate("window.open(location.href)")
    second = Widget(opening.value, assistant.base_url)
    expect(second.launcher).to_be_visible()
    second.open()
    expect(second.bot).to_have_count(1)  # its own welcome, not the first tab's history
    second.ask(SURVEYS)
    assert session_id(second) != session_id(first)
    first.page.wait_for_timeout(1000)
    expect(first.log).not_to_contain_text("573")  # no replies to messages it never showed
    first.page.reload()  # a reload is the same tab: it keeps its conversation
    expect(first.bot).to_have_count(2)
    axe_clean(second)


# The demo page, with the widget's script tag set to data-storage="local" before it runs.
LOCAL_STORAGE = """new MutationObserver((changes, observer) => {
  const tag = document.querySelector('script[src="widget.js"]');
  if (tag) { tag.dataset.storage = "local"; observer.disconnect(); }
}).observe(document, { childList: true, subtree: true });"""


def test_local_storage_shares_one_conversation_between_tabs(
    browser: Browser, assistant: Assistant
) -> None:
    with browser_context(browser, **LOOKS["desktop-light"]) as (context, traffic):
        context.add_init_script(LOCAL_STORAGE)
        one = Widget(context.new_page(), assistant.base_url).load().open()
        one.ask(SURVEYS)
        two = Widget(context.new_page(), assistant.base_url).load()
        expect(two.panel).to_be_visible()  # open, as the conversation was left
        expect(two.log).to_contain_text("573")  # the same conversation
        assert two.stored("localStorage")["sessionId"] == one.stored("localStorage")["sessionId"]
        two.ask("what is co-production?")
        expect(one.log).to_contain_text("Co-production can be defined as")
        expect(one.bot.filter(has_text="Co-production can be defined as")).to_have_count(1)
        assert not traffic.foreign_hosts()
