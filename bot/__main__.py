"""``python -m bot run|chat|review|retention``: the project's command line."""

import sys

COMMANDS = {
    "run": "bot.launcher",
    "chat": "bot.tools.chat",
    "review": "bot.tools.review.cli",
    "retention": "bot.retention",
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bot {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    module = __import__(COMMANDS[sys.argv[1]], fromlist=["main"])
    return module.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
