"""The web widget's socket.io channel: Rasa's ``SocketIOInput`` with sessions nobody else can join.

Differences from ``rasa.core.channels.socketio.SocketIOInput`` (Rasa 3.6.21):

- ``enter_room`` is awaited. Rasa calls it without ``await``; with python-socketio 5.10+ it
  never runs and persistent sessions get no replies (RasaHQ/rasa#13027).
- The server issues the session ids: random (``secrets.token_urlsafe``), each with a token
  bound to it (HMAC-SHA256 under a server secret). A client rejoins a session only with its
  token; a missing or wrong token gets a new session instead. Once confirmed, the session is
  bound to the socket on the server, so a message is handled in the socket's own session
  whatever ``session_id`` it names.
- User text goes through :func:`bot.channels.limits.clean_message`, like the REST channel:
  empty text gets a clear reply, very long text is cut with a note; a message that is not a
  string (``{"message": null}``) is ignored.
- Each response is sent as one message (Rasa splits it at blank lines), and a ``bot_done``
  event ends every turn, so the widget hides its typing indicator without any timer.
- Origins: same-origin by default; list other sites in ``cors_allowed_origins``.

The ``session_confirm`` event carries ``{"session_id", "token", "resumed"}``.
"""

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.limits import MAX_MESSAGE_CHARS, clean_message, domain_text

logger = logging.getLogger(__name__)

SECRET_ENV = "SOCKET_SESSION_SECRET"
DEFAULT_SECRET_FILE = "var/socket_session.key"
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


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
    """Issues random session ids and the tokens that prove a client was given them."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def new_session(self) -> tuple[str, str]:
        session_id = secrets.token_urlsafe(24)
        return session_id, self.token(session_id)

    def token(self, session_id: str) -> str:
        digest = hmac.new(
            self._secret, b"socketio-session:" + session_id.encode("ascii"), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def verify(self, session_id: object, token: object) -> bool:
        if not (isinstance(session_id, str) and isinstance(token, str)):
            return False
        if not _SESSION_ID.fullmatch(session_id) or len(token) > 128:
            return False
        return hmac.compare_digest(self.token(session_id), token)


class WidgetOutput(SocketIOOutput):
    """Sends each response whole (the widget renders its paragraphs), buttons attached."""

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
    """Remembers the Sanic app it is registered on (domain texts come from its agent)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)


def _metadata(value: object) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


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
        self._signer: SessionSigner | None = None

    @property
    def signer(self) -> SessionSigner:
        if self._signer is None:
            self._signer = SessionSigner(load_secret(self.secret_file))
        return self._signer

    def get_output_channel(self) -> WidgetOutput | None:
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio else None

    def _authorised(self, auth: object) -> bool:
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

    async def _bind(self, sio: AsyncServer, sid: str, session_id: str) -> None:
        """Makes ``session_id`` this socket's one session and joins its room."""
        ns = self.namespace
        previous = (await sio.get_session(sid, namespace=ns)).get("session_id")
        if previous and previous != session_id:
            await sio.leave_room(sid, previous, namespace=ns)
        await sio.save_session(sid, {"session_id": session_id}, namespace=ns)
        await sio.enter_room(sid, session_id, namespace=ns)  # awaited: RasaHQ/rasa#13027

    async def _sender(self, sio: AsyncServer, sid: str, data: dict[str, Any]) -> str | None:
        """The conversation a message from ``sid`` belongs to, or None if it has none yet."""
        if not self.session_persistence:
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
            if not resumed:
                session_id, token = self.signer.new_session()
            if self.session_persistence:
                await self._bind(sio, sid, session_id)
            confirm = {"session_id": session_id, "token": token, "resumed": resumed}
            await sio.emit("session_confirm", confirm, room=sid, namespace=ns)

        @sio.on(self.user_message_evt, namespace=ns)
        async def handle_message(sid: str, data: object = None) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                logger.debug("Ignored a socket.io message without text from %s", sid)
                return
            sender_id = await self._sender(sio, sid, data)
            if sender_id is None:
                logger.warning("Ignored a message from %s: no confirmed session", sid)
                return
            await self._answer(sio, webhook.ctx, on_new_message, sender_id, data)

        return webhook

    async def _answer(
        self,
        sio: AsyncServer,
        ctx: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender_id: str,
        data: dict[str, Any],
    ) -> None:
        """Runs one turn and always ends it with ``bot_done``."""
        output = WidgetOutput(sio, self.bot_message_evt)
        app = getattr(ctx, "app", None)
        cleaned = clean_message(data["message"])
        try:
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
                metadata=_metadata(data.get(self.metadata_key)),
            )
            await on_new_message(message)
        except Exception:  # the conversation is kept; the widget must not wait forever
            logger.exception("Handling a socket.io message failed")
        finally:
            await sio.emit("bot_done", {}, room=sender_id, namespace=self.namespace)
