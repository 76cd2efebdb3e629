"""The action server: rasa_sdk's app, bound to loopback by default, with a shared secret.

``python -m bot.action_server [--host H] [--port P]`` serves the ``actions`` package as
``rasa run actions`` does, with two differences:

- it binds to ``$ACTION_SERVER_HOST`` (default ``127.0.0.1``), not to every interface;
- with ``$ACTION_SERVER_TOKEN`` set, every request except ``GET /health`` must carry it in
  the ``X-Action-Token`` header (Rasa sends it: the launcher puts it in the action
  endpoint's ``headers``), else 401. Beyond loopback the token is required: without it
  the server refuses to start.

Bodies are limited like the Rasa server's (size and nesting depth). Imports only rasa_sdk,
Sanic and ``bot.channels.limits`` (standard library only), so it runs in the action server's
own image (``deploy/actions.Dockerfile``).
"""

import argparse
import hmac
import ipaddress
import logging
import os
import sys

from bot.channels.limits import MAX_REQUEST_BYTES, json_depth

HOST_VAR = "ACTION_SERVER_HOST"
PORT_VAR = "ACTION_SERVER_PORT"
TOKEN_VAR = "ACTION_SERVER_TOKEN"
TOKEN_HEADER = "X-Action-Token"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5055
MIN_TOKEN_CHARS = 16
MAX_JSON_DEPTH = 64  # a tracker's events and slots; nothing legitimate comes close

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def startup_problem(host: str, token: str) -> str | None:
    if token and len(token) < MIN_TOKEN_CHARS:
        return f"{TOKEN_VAR} must be at least {MIN_TOKEN_CHARS} characters."
    if not is_loopback(host) and not token:
        return (
            f"Refusing to serve actions on {host} without {TOKEN_VAR}: beyond loopback "
            "every call must carry the shared secret (docs/security.md)."
        )
    return None


def create_app(token: str, package: str = "actions"):  # -> sanic.Sanic
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response

    app = sdk_app(package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    expected = token.encode()

    @app.middleware("request")
    async def guard(request):  # type: ignore[no-untyped-def]
        if request.path == "/health" and request.method in ("GET", "HEAD"):
            return None
        if token:
            given = (request.headers.get(TOKEN_HEADER) or "").encode()
            if not hmac.compare_digest(given, expected):
                logger.warning(
                    "Refused %s %s: no valid %s", request.method, request.path, TOKEN_HEADER
                )
                return response.json({"error": f"Missing or wrong {TOKEN_HEADER}."}, status=401)
        if request.body and json_depth(request.body) > MAX_JSON_DEPTH:
            logger.warning("Refused %s %s: JSON nested too deep", request.method, request.path)
            return response.json({"error": "The JSON is nested too deeply."}, status=400)
        return None

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The assistant's action server.")
    parser.add_argument("--host", default=os.environ.get(HOST_VAR) or DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    port = args.port or int(os.environ.get(PORT_VAR) or DEFAULT_PORT)
    token = os.environ.get(TOKEN_VAR, "")
    problem = startup_problem(args.host, token)
    if problem:
        print(problem, file=sys.stderr)
        return 2

    from rasa_sdk import utils

    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    app = create_app(token, args.actions)
    guarded = "every call needs " + TOKEN_HEADER if token else "no token (loopback only)"
    logger.info("Action server on http://%s:%d (%s)", args.host, port, guarded)
    app.run(args.host, port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
