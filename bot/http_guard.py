"""Guards every request to the Rasa server: Host, Origin, the HTTP API's token, body limits.

Installed as a Sanic request middleware by the project's channels (``GuardedBlueprint``),
so it runs wherever ``credentials.yml`` loads any of them, with no change to Rasa's files.

For **every** request:

- ``Host`` must name this server: an IP address, ``localhost``, ``$RASA_HOST`` or one of
  ``$RASA_ALLOWED_HOSTS``; anything else gets 421. A web page on another name that its DNS
  points at 127.0.0.1 (DNS rebinding) is refused, because the browser sends that name.
- Bodies over ``MAX_REQUEST_BYTES`` are refused by Sanic itself (413).

For the **HTTP API** (every path except ``/``, ``/webhooks/...``, ``/chat/...`` and
``/socket.io/...``, which are the public channels):

- an ``Origin`` header (sent by browsers) must be this server's own origin or one of
  ``$RASA_CORS_ORIGINS``, else 403: a page elsewhere cannot drive the API, even with a
  "simple" request that needs no CORS preflight;
- the token ``$RASA_AUTH_TOKEN`` must come as ``?token=...`` (Rasa's way) or as
  ``Authorization: Bearer ...``, else 401; with no token configured the API answers 401
  to everyone (``python -m bot run`` always configures one);
- a JSON body nested deeper than ``MAX_JSON_DEPTH`` is refused with 400 before Rasa parses it.

Each refusal is one log line.
"""

import hmac
import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import MAX_JSON_DEPTH, MAX_REQUEST_BYTES, json_depth

logger = logging.getLogger(__name__)

TOKEN_VAR, ORIGINS_VAR, HOSTS_VAR, HOST_VAR = (
    "RASA_AUTH_TOKEN",
    "RASA_CORS_ORIGINS",
    "RASA_ALLOWED_HOSTS",
    "RASA_HOST",
)
PUBLIC_PREFIXES = ("/webhooks/", "/chat/", "/socket.io/")
PUBLIC_PATHS = {"/", "/chat", "/socket.io"}


def split_list(value: str) -> list[str]:
    """A comma- or space-separated list from an environment variable."""
    return [item.strip() for item in value.replace(",", " ").split() if item.strip()]


def host_name(host: str) -> str | None:
    """The name in a ``Host`` header (``name``, ``name:port``, ``[v6]:port``), lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        name = host[1:end] if end > 0 else ""
    elif host.count(":") == 1:
        name = host.split(":", 1)[0]
    else:
        name = host
    return name.rstrip(".") or None


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class GuardSettings:
    token: str = ""
    origins: frozenset[str] = frozenset()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "GuardSettings":
        env = os.environ if env is None else env
        hosts = {host_name(h) for h in split_list(env.get(HOSTS_VAR, ""))}
        configured = host_name(env.get(HOST_VAR, ""))
        if configured and not is_ip(configured):
            hosts.add(configured)
        origins = {o.rstrip("/").lower() for o in split_list(env.get(ORIGINS_VAR, ""))}
        return cls(env.get(TOKEN_VAR, ""), frozenset(origins), frozenset(hosts - {None}))

    def host_allowed(self, host: str) -> bool:
        """IP addresses and ``localhost`` cannot be rebound by a web page; names must be listed."""
        name = host_name(host)
        return bool(name) and (is_ip(name) or name == "localhost" or name in self.hosts)

    def origin_allowed(self, origin: str, host: str) -> bool:
        origin = origin.strip().rstrip("/").lower()
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == host.strip().lower()

    def token_given(self, request: Request) -> bool:
        if not self.token:
            return False
        given = request.args.get("token") or ""
        authorization = request.headers.get("authorization") or ""
        if not given and authorization[:7].lower() == "bearer ":
            given = authorization[7:].strip()
        return hmac.compare_digest(given.encode(), self.token.encode())


def is_api(path: str) -> bool:
    """True for Rasa's HTTP API; False for the public channels and the ``/`` health check."""
    return path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES)


def _refuse(status: int, message: str, request: Request) -> HTTPResponse:
    logger.warning("Refused %s %s (%d): %s", request.method, request.path[:200], status, message)
    return response.json({"error": message}, status=status)


def check(settings: GuardSettings, request: Request) -> HTTPResponse | None:
    """The refusal for ``request``, or None to let it through."""
    host = request.headers.get("host") or ""
    if not host:
        return _refuse(400, "A Host header is required.", request)
    if not settings.host_allowed(host):
        return _refuse(421, "This server does not answer to that Host name.", request)
    if not is_api(request.path):
        return None
    origin = request.headers.get("origin")
    if origin is not None and not settings.origin_allowed(origin, host):
        return _refuse(403, "Cross-origin requests to the HTTP API are not allowed.", request)
    if not settings.token_given(request):
        return _refuse(
            401,
            "The HTTP API needs its token: ?token=... or 'Authorization: Bearer ...'.",
            request,
        )
    if request.body and json_depth(request.body) > MAX_JSON_DEPTH:
        return _refuse(400, f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.", request)
    return None


def install(app: Sanic, env: Mapping[str, str] | None = None) -> GuardSettings:
    """Adds the guard to ``app`` once (every project channel calls this) and limits body size."""
    existing = getattr(app.ctx, "http_guard", None)
    if existing is not None:
        return existing
    settings = GuardSettings.from_env(env)
    app.ctx.http_guard = settings
    app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), MAX_REQUEST_BYTES)

    async def http_guard(request: Request) -> HTTPResponse | None:
        return check(settings, request)

    app.register_middleware(http_guard, "request")
    if not settings.token:
        logger.warning("%s is not set: the HTTP API refuses every request.", TOKEN_VAR)
    return settings


class GuardedBlueprint(Blueprint):
    """A channel's blueprint that installs the guard on the app it is registered on."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        install(app)
        super().register(app, options)
