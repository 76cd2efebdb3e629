"""What ``make run`` shows of its servers' output: the project's own lines, warnings and errors
that matter, tracebacks; everything, unfiltered, goes to a log file under ``var/log/``.

Rasa 3.6 and its dependencies print dozens of Python ``DeprecationWarning`` blocks and INFO
lines on start (``pkg_resources``, ``distutils``, ``typer``, ``pyparsing``, ``sqlalchemy``...)
that a person starting the assistant can do nothing about. They stay in the log file.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

# "2026-12-01 11:13:13 INFO     rasa.core.processor  - Loading model ..."
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d+)? (\w+)\s+([\w.]+)\s+-")
# "/path/x.py:39: DeprecationWarning: ..." (the warnings module's format)
PY_WARNING = re.compile(r"^\S+:\d+: (\w*Warning): ")
QUIET_WARNINGS = ("DeprecationWarning", "FutureWarning", "PendingDeprecationWarning")
SHOWN_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
OWN_LOGGERS = ("bot.", "actions.", "__main__")


@dataclass
class OutputFilter:
    """Decides line by line; a record's continuation lines follow its first line's fate."""

    showing: bool = True

    def shown(self, line: str) -> bool:
        record = LOG_RECORD.match(line)
        warning = PY_WARNING.match(line)
        if record:
            level, logger = record.groups()
            self.showing = level in SHOWN_LEVELS or logger.startswith(OWN_LOGGERS)
        elif warning:
            self.showing = not warning.group(1).endswith(QUIET_WARNINGS)
        elif line.startswith("Traceback "):
            self.showing = True
        return self.showing and bool(line.strip())


def pump(
    source: IO[str], log: TextIO, screen: TextIO, everything: bool = False
) -> threading.Thread:
    """Copies every line of ``source`` to ``log``, and to ``screen`` those worth showing
    (every line when ``everything``)."""
    line_filter = OutputFilter()

    def run() -> None:
        for line in source:
            log.write(line)
            log.flush()
            if everything or line_filter.shown(line):
                screen.write(line)
                screen.flush()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def log_path(state_dir: Path, name: str) -> Path:
    """``var/log/<name>.log``, the directory made owner-only (logs can quote messages)."""
    directory = state_dir / "log"
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    return directory / f"{name}.log"
