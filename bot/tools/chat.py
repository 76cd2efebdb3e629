"""``make chat``: talk to the running assistant from the terminal, over its REST channel.

Buttons are shown numbered; type the number to press one. An empty line or
Ctrl-D ends the chat. First it asks the HTTP API (``/status``, with the token from
``$RASA_AUTH_TOKEN`` or ``var/auth_token``, as ``make run`` keeps it) whether the assistant
is up and ready.
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from bot.launcher import read_token


def status(url: str, token: str) -> str | None:
    """None when the assistant behind ``url`` is up and ready; else what is wrong."""
    parts = urlsplit(url)
    request = urllib.request.Request(
        f"{parts.scheme}://{parts.netloc}/status", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            ready = json.loads(reply.read()).get("model_id")
    except urllib.error.HTTPError as error:
        if error.code == 401:
            return (
                "the assistant refused the HTTP API token: is it the one `make run` uses "
                "(RASA_AUTH_TOKEN, else var/auth_token)?"
            )
        return f"the assistant answered {error.code}"
    except (OSError, ValueError) as error:
        return f"cannot reach the assistant at {parts.netloc} ({error}): is `make run` running?"
    return None if ready else "the assistant is up but has no model loaded yet"


def send(url: str, sender: str, message: str) -> list[dict]:
    data = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def show(replies: list[dict]) -> list[dict]:
    buttons: list[dict] = []
    for reply in replies:
        if reply.get("text"):
            print(f"\nBot: {reply['text']}")
        for button in reply.get("buttons") or []:
            buttons.append(button)
            print(f"  [{len(buttons)}] {button['title']}")
    return buttons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5005/webhooks/rest/webhook")
    args = parser.parse_args(argv)
    problem = status(args.url, read_token())
    if problem:
        print(f"Cannot chat: {problem}", file=sys.stderr)
        return 1
    sender = f"terminal-{uuid.uuid4().hex}"
    print("Ask about the Value of Co-Production (empty line to quit).")
    buttons: list[dict] = []
    while True:
        try:
            line = input("\nYou: ").strip()
        except EOFError:
            return 0
        if not line:
            return 0
        if line.isdigit() and 0 < int(line) <= len(buttons):
            line = buttons[int(line) - 1]["payload"]
        try:
            buttons = show(send(args.url, sender, line))
        except urllib.error.HTTPError as error:
            print(f"\n(server said {error.code}: {error.read().decode('utf-8', 'replace')})")
        except OSError as error:
            print(f"\n(cannot reach the assistant at {args.url}: {error}; is `make run` running?)")


if __name__ == "__main__":
    sys.exit(main())
