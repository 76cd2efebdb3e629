"""Drives the web chat widget in Debian's Chromium through Playwright (see test_widget.py)."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, expect

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ANSWER_TIMEOUT_MS = 60_000
LAUNCHER = "Chat about co-production"
# The sizes and colour schemes every conversation control is tried at (tests/integration).
LOOKS = {
    "desktop-light": {"viewport": {"width": 1024, "height": 800}, "color_scheme": "light"},
    "desktop-dark": {"viewport": {"width": 1024, "height": 800}, "color_scheme": "dark"},
    "320px-light": {"viewport": {"width": 320, "height": 640}, "color_scheme": "light"},
    "320px-dark": {"viewport": {"width": 320, "height": 640}, "color_scheme": "dark"},
}


@dataclass
class Traffic:
    """Every address a browser context asked for, every dialog a page opened, and every
    socket.io event a page sent (``[event, data]``)."""

    urls: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    sent: list[list[Any]] = field(default_factory=list)

    def sent_messages(self) -> list[dict]:
        return [data for event, data in self.sent if event == "user_uttered"]

    def foreign_hosts(self) -> set[str]:
        return {urlsplit(u).hostname or u for u in self.urls} - {"127.0.0.1"}


def watch(context: BrowserContext) -> Traffic:
    """Records requests (HTTP and WebSocket) and dialogs of every page in ``context``."""
    traffic = Traffic()

    def on_frame(payload: str | bytes) -> None:
        # a socket.io event frame is "42" + JSON ["event", data]
        if isinstance(payload, str) and payload.startswith("42"):
            traffic.sent.append(json.loads(payload[2:]))

    def on_socket(ws: Any) -> None:
        traffic.urls.append(ws.url)
        ws.on("framesent", on_frame)

    def on_page(page: Page) -> None:
        page.on("websocket", on_socket)
        page.on("dialog", lambda d: (traffic.dialogs.append(d.message), d.dismiss()))

    context.on("request", lambda r: traffic.urls.append(r.url))
    context.on("page", on_page)
    return traffic


@contextmanager
def browser_context(browser: Browser, **options: Any) -> Iterator[tuple[BrowserContext, Traffic]]:
    context = browser.new_context(**options)
    traffic = watch(context)
    try:
        yield context, traffic
    finally:
        context.close()


class Widget:
    """The chat widget on the demo page, as a user sees it."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.launcher = page.get_by_role("button", name=LAUNCHER)
        self.panel = page.locator("#cpc-panel")
        self.log = page.get_by_role("log")
        self.input = page.get_by_label("Your question")
        self.bot = self.log.locator(".cpc-bot")
        self.user = self.log.locator(".cpc-user")
        self.typing = page.locator(".cpc-typing")

    def load(self) -> "Widget":
        self.page.goto(self.base_url + "/chat/")
        expect(self.launcher).to_be_visible()
        return self

    def open(self) -> "Widget":
        """Opens the chat and waits for the welcome (first open) or the restored history."""
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.bot.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        return self

    def wait_for_answer(self, bot_messages_before: int) -> None:
        expect(self.bot).not_to_have_count(bot_messages_before, timeout=ANSWER_TIMEOUT_MS)
        expect(self.typing).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)

    def ask(self, text: str) -> str:
        """Types ``text``, presses Enter, and returns the text of the answer."""
        before = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_for_answer(before)
        return self.answer_since(before)

    def click_choice(self, title: str) -> str:
        before = self.bot.count()
        self.log.get_by_role("button", name=title).last.click()
        self.wait_for_answer(before)
        return self.answer_since(before)

    def answer_since(self, bot_messages_before: int) -> str:
        """Everything the assistant said after its first ``bot_messages_before`` messages."""
        bubbles = self.bot.locator(".cpc-bubble").all()[bot_messages_before:]
        return "\n".join(bubble.inner_text() for bubble in bubbles)

    def answer_message(self, containing: str):  # -> Locator
        """The assistant's latest message that contains ``containing``."""
        return self.bot.filter(has_text=containing).last

    def stored(self, storage: str = "sessionStorage") -> dict:
        return self.page.evaluate(
            f"() => JSON.parse({storage}.getItem('copro-chat:' + location.origin))"
        )

    def button(self, name: str):  # -> Locator
        """A button of the panel (header, messages, controls) by its name."""
        return self.panel.get_by_role("button", name=name)

    def focused(self) -> str:
        """The text of the element that has the focus."""
        return self.page.evaluate("document.activeElement && document.activeElement.textContent")


# Keeps a handle on each socket the widget opens, so a test can cut its connection.
CAPTURE_SOCKETS = """(() => {
  let real;
  Object.defineProperty(window, "io", {
    configurable: true,
    set(value) { real = value; },
    get() {
      return real && ((...args) => {
        const socket = real(...args);
        (window.__sockets = window.__sockets || []).push(socket);
        return socket;
      });
    },
  });
})()"""


SOCKET_EXCHANGE = """async (steps) => {
  const socket = io(location.origin, { transports: ["websocket"], forceNew: true,
                                       reconnection: false });
  const received = [];
  let waiter = null;
  socket.onAny((event, data) => {
    received.push([event, data]);
    if (waiter && waiter.event === event) { const w = waiter; waiter = null; w.resolve(); }
  });
  await new Promise((resolve, reject) => {
    socket.on("connect", resolve);
    socket.on("connect_error", reject);
  });
  for (const [event, data] of steps) {
    const awaited = event === "session_request" ? "session_confirm"
      : (data && typeof data.message === "string" ? "bot_done" : null);
    const reply = awaited && new Promise((resolve) => { waiter = { event: awaited, resolve }; });
    socket.emit(event, data);
    if (reply) await reply;
  }
  socket.disconnect();
  return received;
}"""


def socket_exchange(page: Page, base_url: str, steps: list[tuple[str, Any]]) -> list[list[Any]]:
    """Emits ``steps`` from a bare socket.io client (the vendored one) in ``page``.

    After ``session_request`` it waits for ``session_confirm``; after a ``user_uttered`` with
    text, for the turn's ``bot_done``. Returns every ``[event, data]`` that came back.
    """
    if page.url != base_url + "/chat/":
        page.goto(base_url + "/chat/")
        page.add_script_tag(url=base_url + "/chat/vendor/socket.io.min.js")
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    return page.evaluate(SOCKET_EXCHANGE, [list(step) for step in steps])
