"""The web widget's socket.io channel: Rasa's ``SocketIOInput`` with sessions nobody else can join.

Differences from ``rasa.core.channels.socketio.SocketIOInput`` (Rasa 3.6.21):

- ``enter_room`` is awaited. Rasa calls it without ``await``; with python-socketio 5.10+ it
  never runs and persistent sessions get no replies (RasaHQ/rasa#13027).
- The server issues the session ids: random (``secrets.token_urlsafe``), each with a token
  bound to it (HMAC-SHA256 under a server secret, with the time it was issued). A client
  rejoins a session only with its token; a missing, wrong or expired token (older than
  ``$WIDGET_SESSION_TTL`` seconds, 24 hours by default) gets a new session instead. The token
  is renewed on every (re)connection and after every turn (a ``session_token`` event), so a
  session expires after that long *without use*. Once confirmed, the session is bound to the
  socket on the server, so a message is handled in the socket's own session whatever
  ``session_id`` it names.
- The conversation of session ``X`` is ``web:X`` in the tracker store: the REST channel
  refuses senders starting ``web:``, so it cannot write into a widget's conversation.
- User text goes through :func:`bot.channels.limits.clean_message`, like the REST channel:
  empty text gets a clear reply, very long text is cut with a note; a message that is not a
  string (``{"message": null}``) is ignored. Metadata is limited like REST's (size, depth):
  a message with metadata over the limits is answered with the reason and not processed.
- Each response is sent as one message (Rasa splits it at blank lines), and a ``bot_done``
  event ends every turn, so the widget hides its typing indicator without any timer. A
  message may carry a ``message_id``; every reply to it and its ``bot_done`` carry it back as
  ``reply_to`` (turns run concurrently, so replies are matched by id, not by order).
- Origins: same-origin by default; list other sites in ``cors_allowed_origins``.

The ``session_confirm`` event carries ``{"session_id", "token", "resumed", "conversation_id"}``;
``session_token`` carries ``{"session_id", "token"}``; ``bot_uttered`` carries what
:func:`widget_message` says.
"""

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import http_guard
from bot.channels.domain_text import domain_text
from bot.channels.limits import (
    MAX_MESSAGE_CHARS,
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    WIDGET_PREFIX,
    Refused,
    check_metadata,
    clean_message,
    parse_json,
)
from bot.channels.parse_off_loop import parsed

logger = logging.getLogger(__name__)

SECRET_ENV = "SOCKET_SESSION_SECRET"
TTL_ENV = "WIDGET_SESSION_TTL"
DEFAULT_TTL_SECONDS = 24 * 60 * 60
CLOCK_SKEW_SECONDS = 300  # instances at scale may disagree a little on the time
DEFAULT_SECRET_FILE = "var/socket_session.key"
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TOKEN = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{43})")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def session_ttl(env: dict[str, str] | None = None) -> int:
    """``$WIDGET_SESSION_TTL``: seconds a session token stays valid without use (default 24 h)."""
    value = (os.environ if env is None else env).get(TTL_ENV, "").strip()
    if not value:
        return DEFAULT_TTL_SECONDS
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"{TTL_ENV} must be a whole number of seconds, not {value!r}")
    return int(value)


def conversation_id(session_id: str) -> str:
    """The tracker's conversation id (and socket.io room) of a widget session."""
    return WIDGET_PREFIX + session_id


def load_secret(path: Path) -> bytes:
    """The server secret: ``$SOCKET_SESSION_SECRET``, else a random one kept in ``path``.

    Keeping it in a file means sessions (and their tokens) survive a restart.
    """
    from_env = os.environ.get(SECRET_ENV, "")
    if from_env:
        return from_env.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            return bytes.fromhex(path.read_text().strip())
        except ValueError as error:
            raise RuntimeError(
                f"{path} holds no hex secret: delete it to make a new one"
            ) from error
    secret = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as file:
        file.write(secret.hex())
    return secret


class SessionSigner:
    """Issues random session ids and the tokens that prove a client was given them (recently).

    A token is ``{issued}.{mac}``: the Unix time it was issued and the HMAC of the session id
    with that time. It is valid for ``ttl`` seconds after it was issued.
    """

    def __init__(self, secret: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        self._secret = secret
        self.ttl = ttl

    def new_session(self, now: float | None = None) -> tuple[str, str]:
        session_id = secrets.token_urlsafe(24)
        return session_id, self.token(session_id, now)

    def token(self, session_id: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        return f"{issued}.{self._mac(session_id, issued)}"

    def _mac(self, session_id: str, issued: int) -> str:
        message = f"socketio-session:{session_id}:{issued}".encode("ascii")
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def verify(self, session_id: object, token: object, now: float | None = None) -> bool:
        if not (isinstance(session_id, str) and isinstance(token, str)):
            return False
        if not _SESSION_ID.fullmatch(session_id):
            return False
        match = _TOKEN.fullmatch(token)
        if not match:
            return False
        issued = int(match.group(1))
        age = (time.time() if now is None else now) - issued
        if age > self.ttl or age < -CLOCK_SKEW_SECONDS:
            return False
        return hmac.compare_digest(self._mac(session_id, issued), match.group(2))


ANSWER_RESPONSE = "utter_answer"
# The bot event's metadata keys a content answer carries (actions/answer.py) -> the widget's.
ANSWER_KEYS = {
    "answer_id": "id", "topic": "topic", "fact": "fact", "section": "section", "title": "title",
}  # fmt: skip


def widget_message(message: dict[str, Any]) -> dict[str, Any]:
    """One bot message as the widget receives it in ``bot_uttered``.

    ``text`` and ``quick_replies`` as Rasa's socket.io channel sends them; ``response``, the
    domain response it was made from (``utter_restart`` tells the widget the conversation
    ended); ``answer`` ({id, topic, fact, section, title}) on a content answer, for "Copy
    with source" and feedback; ``tour_step`` on a tour step.
    """
    sent: dict[str, Any] = {"text": str(message.get("text") or "").strip()}
    buttons = message.get("quick_replies") or message.get("buttons") or []
    if buttons:
        sent["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]}
            for b in buttons
            if isinstance(b, dict) and "title" in b and "payload" in b
        ]
    response = message.get("utter_action")
    if isinstance(response, str):
        sent["response"] = response
    if response == ANSWER_RESPONSE and message.get("answer_id"):
        sent["answer"] = {ours: message.get(theirs) for theirs, ours in ANSWER_KEYS.items()}
    if isinstance(message.get("tour_step"), str):
        sent["tour_step"] = message["tour_step"]
    return sent


class WidgetOutput(SocketIOOutput):
    """Sends each response whole (the widget renders its paragraphs), buttons attached, with
    what the widget needs to know about it (:func:`widget_message`) and, as ``reply_to``,
    the ``message_id`` the widget gave the message it answers."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str, reply_to: str | None = None):
        super().__init__(sio, bot_message_evt)
        self.reply_to = reply_to

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if self.reply_to and isinstance(response, dict):
            response = {**response, "reply_to": self.reply_to}
        await super()._send_message(socket_id, response)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        rest = dict(message)
        if rest.get("text"):
            await self._send_message(recipient_id, widget_message(rest))
            for key in ("text", "quick_replies", "buttons"):
                rest.pop(key, None)
        await super().send_response(recipient_id, rest)  # images, custom payloads

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        quick_replies = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
        await self._send_message(
            recipient_id, {"text": text.strip(), "quick_replies": quick_replies}
        )


class _AppCapturingBlueprint(SocketBlueprint):
    """Remembers the Sanic app it is registered on (domain texts come from its agent), and
    installs the project's request guard on it (``bot.http_guard``)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.app = app
        http_guard.install(app)
        super().register(app, options)


def _metadata(value: object) -> dict[str, Any]:
    """Metadata sent with a message (an object, or JSON text), within REST's limits."""
    if isinstance(value, str):
        value = parse_json(
            value.encode("utf-8"), MAX_METADATA_BYTES, MAX_METADATA_DEPTH, "'metadata'"
        )
    return check_metadata(value) or {}


class SecureSocketIOInput(SocketIOInput):
    """socket.io for the web widget (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.cors_allowed_origins = credentials.get("cors_allowed_origins")
        channel.secret_file = Path(credentials.get("session_secret_file", DEFAULT_SECRET_FILE))
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cors_allowed_origins: list[str] | str | None = None
        self.secret_file = Path(DEFAULT_SECRET_FILE)
        self.session_ttl = session_ttl()
        self._signer: SessionSigner | None = None

    @property
    def signer(self) -> SessionSigner:
        if self._signer is None:
            self._signer = SessionSigner(load_secret(self.secret_file), self.session_ttl)
        return self._signer

    def get_output_channel(self) -> WidgetOutput | None:
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio else None

    def _authorised(self, auth: object) -> bool:
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

    async def _bind(self, sio: AsyncServer, sid: str, session_id: str) -> None:
        """Makes ``session_id`` this socket's one session and joins its conversation's room."""
        ns = self.namespace
        previous = (await sio.get_session(sid, namespace=ns)).get("session_id")
        if previous and previous != session_id:
            await sio.leave_room(sid, conversation_id(previous), namespace=ns)
        await sio.save_session(sid, {"session_id": session_id}, namespace=ns)
        # awaited: RasaHQ/rasa#13027
        await sio.enter_room(sid, conversation_id(session_id), namespace=ns)

    async def _session(self, sio: AsyncServer, sid: str, data: dict[str, Any]) -> str | None:
        """The session a message from ``sid`` belongs to, or None if it has none yet."""
        if not self.session_persistence:
            await sio.enter_room(sid, conversation_id(sid), namespace=self.namespace)
            return sid
        bound = (await sio.get_session(sid, namespace=self.namespace)).get("session_id")
        if bound:
            return bound
        if self.signer.verify(data.get("session_id"), data.get("token")):
            await self._bind(sio, sid, data["session_id"])
            return data["session_id"]
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.cors_allowed_origins)
        webhook = _AppCapturingBlueprint(
            sio, self.socketio_path, "secure_socketio_webhook", __name__
        )
        self.sio = sio
        ns = self.namespace

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=ns)
        async def connect(sid: str, environ: dict, auth: object = None) -> bool:
            return self._authorised(auth)

        @sio.on("session_request", namespace=ns)
        async def session_request(sid: str, data: object = None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id, token = data.get("session_id"), data.get("token")
            resumed = self.signer.verify(session_id, token)
            if resumed:
                token = self.signer.token(session_id)  # renewed: valid for another TTL
            else:
                session_id, token = self.signer.new_session()
            if self.session_persistence:
                await self._bind(sio, sid, session_id)
            confirm = {
                "session_id": session_id,
                "token": token,
                "resumed": resumed,
                "conversation_id": conversation_id(session_id),
            }
            await sio.emit("session_confirm", confirm, room=sid, namespace=ns)

        @sio.on(self.user_message_evt, namespace=ns)
        async def handle_message(sid: str, data: object = None) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                logger.debug("Ignored a socket.io message without text from %s", sid)
                return
            session_id = await self._session(sio, sid, data)
            if session_id is None:
                logger.warning("Ignored a message from %s: no confirmed session", sid)
                return
            await self._answer(sio, webhook.ctx, on_new_message, session_id, data)

        return webhook

    async def _answer(
        self,
        sio: AsyncServer,
        ctx: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        session_id: str,
        data: dict[str, Any],
    ) -> None:
        """Runs one turn and always ends it with ``bot_done`` (after a renewed token)."""
        message_id = data.get("message_id")
        reply_to = message_id if isinstance(message_id, str) else ""
        reply_to = reply_to if _MESSAGE_ID.fullmatch(reply_to) else None
        output = WidgetOutput(sio, self.bot_message_evt, reply_to)
        app = getattr(ctx, "app", None)
        sender_id = conversation_id(session_id)
        cleaned = clean_message(data["message"])
        try:
            metadata = _metadata(data.get(self.metadata_key))
            if not cleaned.text:
                await output.send_text_message(sender_id, domain_text(app, "utter_empty_message"))
                return
            if cleaned.truncated:
                note = domain_text(app, "utter_message_truncated", max_chars=MAX_MESSAGE_CHARS)
                await output.send_text_message(sender_id, note)
            message = UserMessage(
                cleaned.text,
                output,
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await on_new_message(await parsed(app, message))
        except Refused as refusal:  # nothing is stored
            logger.warning("Refused a socket.io message (%d): %s", refusal.status, refusal.message)
            await output.send_text_message(sender_id, refusal.message)
        except Exception:  # the conversation is kept; the widget must not wait forever
            logger.exception("Handling a socket.io message failed")
        finally:
            ns = self.namespace
            if self.session_persistence:
                renewed = {"session_id": session_id, "token": self.signer.token(session_id)}
                await sio.emit("session_token", renewed, room=sender_id, namespace=ns)
            done = {"reply_to": reply_to} if reply_to else {}
            await sio.emit("bot_done", done, room=sender_id, namespace=ns)
