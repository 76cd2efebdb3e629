"""The web chat widget at /chat/, in a real browser against the real servers (see conftest).

Playwright drives Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser
download is never used). ``scripts/widget_screenshots.py`` refreshes the README's screenshots.
"""

import importlib.util
import json
import urllib.request
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from bot.launcher import ROOT
from tests.integration.conftest import Assistant
from tests.integration.widget_helpers import (
    CAPTURE_SOCKETS,
    LAUNCHER,
    Traffic,
    Widget,
    browser_context,
    socket_exchange,
)
from tests.servers import STEPS

pytestmark = pytest.mark.integration
INJECTION = "<img src=x onerror=alert(1)>"


@pytest.fixture
def session(browser: Browser) -> Iterator[tuple[Page, Traffic]]:
    """A fresh browser context and page; afterwards, nothing may have left for another host."""
    with browser_context(browser, viewport={"width": 1024, "height": 800}) as (context, traffic):
        yield context.new_page(), traffic
        assert not traffic.foreign_hosts(), traffic.urls
        assert not traffic.dialogs


@pytest.fixture
def widget(session: tuple[Page, Traffic], assistant: Assistant) -> Widget:
    return Widget(session[0], assistant.base_url).load()


def test_page_is_served_by_the_assistant_with_a_strict_policy(assistant: Assistant) -> None:
    with urllib.request.urlopen(assistant.base_url + "/chat/", timeout=30) as reply:
        assert reply.status == 200
        assert "default-src 'none'" in reply.headers["Content-Security-Policy"]
        assert b'src="widget.js"' in reply.read()
    welcome = assistant.request("/chat/welcome.json").body
    assert welcome["text"].startswith("Hello!")
    assert {"title": "The five values", "payload": "/values_list"} in welcome["buttons"]


def test_first_open_shows_the_domain_welcome_with_topic_buttons(widget: Widget) -> None:
    widget.open()
    expect(widget.bot).to_have_count(1)
    expect(widget.bot.first).to_contain_text("Hello! I can tell you about")
    expect(widget.log.get_by_role("button", name="The five values")).to_be_visible()
    expect(widget.input).to_be_focused()


def test_the_guided_tour_runs_in_the_widget(widget: Widget) -> None:
    first = widget.open().click_choice("Take the guided tour")
    assert f"Step 1 of {STEPS}: What co-production is" in first
    assert f"Step 2 of {STEPS}" in widget.click_choice("1. Next")
    assert f"Step 1 of {STEPS}" in widget.ask("back")
    assert f"Step 4 of {STEPS}" in widget.click_choice(
        "2. Skip this section"
    )  # no "Back" at step 1
    mid_tour = widget.ask("how many surveys were submitted?")
    assert "573" in mid_tour and "carry on with the tour" in mid_tour
    assert f"Step 4 of {STEPS}" in widget.click_choice("Continue the tour")
    assert "paused" in widget.click_choice("4. Stop the tour")


def test_question_gets_its_answer_with_the_source(widget: Widget) -> None:
    answer = widget.open().ask("how many surveys were submitted?")
    assert "573" in answer
    assert "From: Section 2 › Our Evidence Base" in answer
    bubble = widget.answer_message("573 online surveys").locator(".cpc-bubble")
    expect(bubble.locator("strong", has_text="573 online surveys")).to_be_visible()
    expect(bubble.locator("em", has_text="Section 2 › Our Evidence Base")).to_be_visible()
    # a question about one fact gets that fact, with the whole topic one tap away
    more = widget.answer_message("573 online surveys").locator(".cpc-buttons").get_by_role("button")
    expect(more).to_have_text(["More about The 573 surveys"])
    expect(widget.user.last).to_contain_text("how many surveys were submitted?")


def test_topic_button_answers_and_buttons_stay_usable(widget: Widget) -> None:
    answer = widget.open().click_choice("The five values")
    assert "Delivering outcomes that actually matter to people" in answer
    expect(widget.user.last).to_contain_text("The five values")
    values = widget.answer_message("The headlines")
    expect(values.locator("ol > li")).to_have_count(5)
    expect(values.locator(".cpc-buttons").get_by_role("button")).to_have_count(5)
    # the welcome's buttons are still there and still work after the next message
    answer = widget.click_choice("What is co-production?")
    assert "equal partnership" in answer


def test_links_open_in_a_new_tab_safely(widget: Widget) -> None:
    widget.open().ask('/ask_link{"story": "noreen"}')
    link = widget.log.get_by_role("link", name="Noreen's story").last
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    assert link.get_attribute("href").startswith("https://www.coproductioncollective.co.uk/")


def test_history_and_session_survive_a_reload(widget: Widget, assistant: Assistant) -> None:
    widget.open().ask("how many surveys were submitted?")
    before, count = widget.log.inner_text(), widget.bot.count()
    session_id = widget.stored()["sessionId"]
    widget.page.reload()
    expect(widget.panel).to_be_visible()  # it was open: it opens again
    expect(widget.bot).to_have_count(count)
    assert widget.log.inner_text() == before
    widget.ask("what is co-production?")
    assert widget.stored()["sessionId"] == session_id
    said = assistant.user_texts(f"web:{session_id}")  # the widget's conversations: web:<id>
    assert said == ["how many surveys were submitted?", "what is co-production?"]


def test_keyboard_only(widget: Widget) -> None:
    page = widget.page
    for _ in range(30):
        if page.evaluate("document.activeElement.textContent") == LAUNCHER:
            break
        page.keyboard.press("Tab")
    expect(widget.launcher).to_be_focused()
    outline = widget.launcher.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline == "solid"  # focus is visible
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    expect(widget.bot).to_have_count(1)
    page.keyboard.type("what are the five values?")
    page.keyboard.press("Enter")
    widget.wait_for_answer(1)
    assert "Delivering outcomes" in widget.answer_since(1)
    topic = widget.log.get_by_role("button", name="Value 5: connecting us as humans")
    for _ in range(10):  # back from the text box to the answer's suggested topics
        page.keyboard.press("Shift+Tab")
        if topic.evaluate("b => b === document.activeElement"):
            break
    expect(topic).to_be_focused()
    before = widget.bot.count()
    page.keyboard.press("Enter")
    widget.wait_for_answer(before)
    assert "Value 5: Connecting us as humans" in widget.answer_since(before)
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")


def test_live_region_announces_only_new_messages(widget: Widget) -> None:
    widget.open().ask("what is co-production?")
    expect(widget.log).to_have_attribute("aria-live", "polite")
    expect(widget.log).to_have_attribute("aria-relevant", "additions")
    # Restored history is put in the log before it enters the page, so it is not announced:
    # the log element must be the same node (not re-rendered) after later messages arrive.
    widget.page.evaluate("window.__log = document.querySelector('[role=log]')")
    widget.ask("how many surveys were submitted?")
    assert widget.page.evaluate("window.__log === document.querySelector('[role=log]')")


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1024, "height": 800}, {"width": 320, "height": 640}, {"width": 640, "height": 400}],
    ids=["desktop", "320px", "200pct-zoom"],
)
def test_axe_finds_no_violations(browser: Browser, assistant: Assistant, viewport: dict) -> None:
    with browser_context(browser, viewport=viewport) as (context, traffic):
        widget = Widget(context.new_page(), assistant.base_url).load()
        assert Axe().run(widget.page).violations_count == 0
        widget.open().ask("how many surveys were submitted?")
        results = Axe().run(widget.page)
        assert results.violations_count == 0, results.generate_report()
        # usable: the text box and Send button are inside the viewport, no sideways scrolling
        box = widget.input.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert widget.page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        for button in widget.panel.get_by_role("button").all():
            size = button.bounding_box()
            assert size["width"] >= 24 and size["height"] >= 24
            assert button.evaluate("b => b.scrollWidth <= b.clientWidth")  # label fits
        assert not traffic.foreign_hosts()


def test_reduced_motion_stops_the_typing_animation(browser: Browser, assistant: Assistant) -> None:
    with browser_context(browser, reduced_motion="reduce") as (context, _):
        widget = Widget(context.new_page(), assistant.base_url).load()
        name = widget.page.locator(".cpc-dots").evaluate("d => getComputedStyle(d).animationName")
        assert name == "none"


def test_html_in_a_message_is_shown_as_typed(widget: Widget) -> None:
    widget.open().ask(INJECTION)
    expect(widget.user.last.locator(".cpc-bubble")).to_have_text(INJECTION)
    assert widget.panel.locator("img").count() == 0
    assert widget.page.locator("img").count() == 0
    widget.page.reload()  # and again when the history is restored
    expect(widget.user.last.locator(".cpc-bubble")).to_have_text(INJECTION)
    assert widget.page.locator("img").count() == 0


def test_another_browser_cannot_read_or_join_the_conversation(
    browser: Browser, assistant: Assistant
) -> None:
    with browser_context(browser) as (context_a, _):
        alice = Widget(context_a.new_page(), assistant.base_url).load().open()
        alice.ask("how many surveys were submitted?")
        stolen = alice.stored()
        for token in (None, "not-the-token"):
            copied = json.dumps(dict(stolen, token=token, open=True, transcript=[]))
            with browser_context(browser) as (context_b, _):
                key = "copro-chat:" + assistant.base_url
                context_b.add_init_script(
                    f"sessionStorage.setItem({json.dumps(key)}, {json.dumps(copied)})"
                )
                mallory = Widget(context_b.new_page(), assistant.base_url).load()
                expect(mallory.panel).to_be_visible()
                expect(mallory.bot).to_have_count(1)  # only the welcome
                expect(mallory.log).not_to_contain_text("573")
                mallory.ask("what is co-production?")
                assert mallory.stored()["sessionId"] != stolen["sessionId"]
                alice.ask("what are the five values?")
                expect(mallory.log).not_to_contain_text("Delivering outcomes")
                expect(mallory.log).not_to_contain_text("573")


def test_offline_message_and_resend(session: tuple[Page, Traffic], assistant: Assistant) -> None:
    page = session[0]
    page.add_init_script(CAPTURE_SOCKETS)
    widget = Widget(page, assistant.base_url).load().open()
    # The welcome comes over HTTP, so the socket may still be connecting: the connection
    # this test cuts must first be up.
    page.wait_for_function("() => window.__sockets && window.__sockets[0].connected")
    page.context.set_offline(True)
    page.evaluate("() => window.__sockets[0].io.engine.close()")
    expect(widget.panel.get_by_role("status")).to_contain_text("can't be reached", timeout=15_000)
    widget.input.fill("how many surveys were submitted?")
    widget.input.press("Enter")
    expect(widget.user.last).to_contain_text("Not sent yet")
    page.context.set_offline(False)
    expect(widget.panel.get_by_role("status")).to_contain_text("Connected again", timeout=30_000)
    widget.wait_for_answer(1)
    assert "573" in widget.answer_since(1)
    expect(widget.user.last).not_to_contain_text("Not sent yet")


def test_socket_sessions_need_their_token(
    session: tuple[Page, Traffic], assistant: Assistant
) -> None:
    page, base = session[0], assistant.base_url
    issued = socket_exchange(page, base, [("session_request", None)])[0][1]
    assert len(issued["session_id"]) >= 32 and issued["token"] and not issued["resumed"]
    again = socket_exchange(page, base, [("session_request", issued)])[0][1]
    assert again["session_id"] == issued["session_id"] and again["resumed"]
    assert again["conversation_id"] == f"web:{issued['session_id']}"
    for forged in ({"session_id": issued["session_id"]}, dict(issued, token="x" * 43)):
        other = socket_exchange(page, base, [("session_request", forged)])[0][1]
        assert other["session_id"] != issued["session_id"] and not other["resumed"]


def test_a_message_naming_another_session_stays_in_its_own(
    session: tuple[Page, Traffic], assistant: Assistant
) -> None:
    page, base = session[0], assistant.base_url
    victim = socket_exchange(page, base, [("session_request", None)])[0][1]
    steps = [
        ("session_request", None),
        ("user_uttered", {"message": "hello", "session_id": victim["session_id"]}),
    ]
    own = socket_exchange(page, base, steps)[0][1]

    def said(session_id: str) -> list[str]:
        return assistant.user_texts(f"web:{session_id}")

    assert said(victim["session_id"]) == []
    assert said(own["session_id"]) == ["hello"]


def test_socket_messages_are_cleaned(session: tuple[Page, Traffic], assistant: Assistant) -> None:
    received = socket_exchange(
        session[0],
        assistant.base_url,
        [
            ("session_request", None),
            ("user_uttered", {"message": None}),
            ("user_uttered", "not an object"),
            ("user_uttered", {"message": "   "}),
            ("user_uttered", {"message": "how many surveys? " + "x" * 3000}),
        ],
    )
    texts = [data["text"] for event, data in received if event == "bot_uttered"]
    assert [event for event, _ in received].count("bot_done") == 2
    assert [event for event, _ in received].count("session_token") == 2  # renewed each turn
    assert texts[0].startswith("I didn't receive any text.")
    assert texts[1] == "Your message was very long, so I read only its first 2000 characters."
    assert "573" in texts[2]  # and the cut message was still answered


def test_screenshot_script_takes_both_schemes(
    browser: Browser, assistant: Assistant, tmp_path
) -> None:
    """scripts/widget_screenshots.py makes the README's docs/widget.png and widget-dark.png."""
    spec = importlib.util.spec_from_file_location(
        "widget_screenshots", ROOT / "scripts" / "widget_screenshots.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    paths = script.shoot(browser, assistant.base_url, tmp_path)
    assert [p.name for p in paths] == ["widget.png", "widget-dark.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)
    assert paths[0].read_bytes() != paths[1].read_bytes()
