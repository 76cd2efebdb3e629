"""Serves the web chat widget and its demo page from the Rasa server itself, at ``/chat/``.

Rasa mounts a channel's blueprint at ``urljoin("/webhooks/", url_prefix())``; an absolute
prefix (``/chat``) therefore mounts at ``/chat``. Page, script and socket.io then share one
origin. Only the files under ``bot/web/`` are served (a fixed list made at start-up), with a
Content-Security-Policy that allows nothing from other hosts.

``/chat/welcome.json`` gives the widget its welcome (the text and buttons of the domain's
``utter_greet`` response) and its own words (the labels of its controls, from
``utter_widget_texts``), so they are edited in ``domain.yml`` like every other answer.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.catalogue import load_catalogue
from actions.responses import first_variation
from bot.channels.domain_text import app_responses, domain_message
from bot.http_guard import GuardedBlueprint

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
WELCOME_RESPONSE = "utter_greet"
TEXTS_RESPONSE = "utter_widget_texts"
SUMMARY_ENTRY = "summary"  # the links catalogue's entry for the summary (title, cite, url)
# The widget's words that Slack says too: one response each (the feedback controls).
SHARED_TEXTS = {
    "feedback_question": "utter_feedback_question",
    "helpful": "utter_feedback_helpful",
    "not_helpful": "utter_feedback_not_helpful",
    "feedback_thanks": "utter_feedback_thanks",
}

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".LICENSE": "text/plain; charset=utf-8",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def static_files(root: Path = WEB_ROOT) -> dict[str, Path]:
    """Every servable file under ``root`` by its URL path (no hidden files, known types only)."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            if path.suffix in CONTENT_TYPES:
                files[relative.as_posix()] = path
    return files


def widget_texts(responses: dict[str, Any]) -> dict[str, str]:
    """The widget's own words (``utter_widget_texts``), with ``copy_source`` naming the
    summary as its entry in the links catalogue does (``{section}`` is left for the widget)."""
    custom = (first_variation(responses, TEXTS_RESPONSE) or {}).get("custom") or {}
    texts = {str(key): str(value) for key, value in custom.items()}
    for key, name in SHARED_TEXTS.items():
        text = (first_variation(responses, name) or {}).get("text")
        if text:
            texts[key] = text
    summary = load_catalogue().get("resource", SUMMARY_ENTRY)
    if "copy_source" in texts and summary:
        texts["copy_source"] = texts["copy_source"].format(
            section="{section}", title=summary.title, cite=summary.cite or "", url=summary.url
        )
    return texts


def welcome(app: object) -> dict[str, Any]:
    """The domain's welcome response and the widget's words:
    ``{"text", "buttons": [{"title", "payload"}], "texts": {name: words}}``."""
    return {**domain_message(app, WELCOME_RESPONSE), "texts": widget_texts(app_responses(app))}


class WebChatInput(InputChannel):
    """The widget's page and files. Messages themselves travel over the socket.io channel."""

    @classmethod
    def name(cls) -> str:
        return "web"

    def url_prefix(self) -> str:
        return "/chat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        files = static_files()
        web = GuardedBlueprint("web_chat", __name__)

        def serve(name: str) -> HTTPResponse:
            path = files.get(name)
            if path is None:
                return response.text("Not found", status=404, headers=COMMON_HEADERS)
            headers = dict(COMMON_HEADERS)
            if path.suffix == ".html":
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            else:  # the widget's files may be embedded in other sites
                headers["Access-Control-Allow-Origin"] = "*"
            return response.raw(
                path.read_bytes(), headers=headers, content_type=CONTENT_TYPES[path.suffix]
            )

        @web.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):
                return response.redirect(request.path + "/")
            return serve("index.html")

        @web.route("/welcome.json", methods=["GET"])
        async def welcome_json(request: Request) -> HTTPResponse:
            headers = dict(COMMON_HEADERS, **{"Access-Control-Allow-Origin": "*"})
            return response.json(welcome(request.app), headers=headers)

        @web.route("/<name:path>", methods=["GET"])
        async def file(request: Request, name: str) -> HTTPResponse:
            return serve(name or "index.html")  # "/chat/" itself arrives here with name ""

        return web
