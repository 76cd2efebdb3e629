"""``make chat``: talk to the running assistant from the terminal, over its REST channel.

Buttons are shown numbered; type the number to press one. An empty line or
Ctrl-D ends the chat.
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid


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
