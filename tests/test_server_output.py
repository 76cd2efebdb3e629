"""What ``make run`` shows of its servers' output (``bot/server_output.py``)."""

import io

from bot.server_output import OutputFilter, pump

STARTUP = """\
/x/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to declare_namespace
Implementing implicit namespace packages (as specified in PEP 420) is preferred.
  declare_namespace(pkg)
/x/rasa/core/tracker_store.py:1166: SADeprecationWarning: Calling URL() is deprecated
  return sa.engine.url.URL(
2026-12-01 11:13:10 INFO     rasa_sdk.executor  - Registered function for 'action_tour'.
2026-12-01 11:13:11 INFO     __main__  - Action server on http://127.0.0.1:5055
2026-12-01 11:13:13 INFO     rasa.core.processor  - Loading model models/assistant.tar.gz...
2026-12-01 11:13:13 INFO     bot.channels.slack  - Slack is not configured
/x/site-packages/sanic/app.py:10: UserWarning: something a person should see
2026-12-01 11:13:14 WARNING  rasa.core.agent  - The model could not be loaded
2026-12-01 11:13:15 ERROR    rasa.core.processor  - Encountered an exception
Traceback (most recent call last):
  File "x.py", line 1, in <module>
ValueError: boom
"""


def shown(text: str) -> list[str]:
    line_filter = OutputFilter()
    return [line for line in text.splitlines() if line_filter.shown(line)]


def test_deprecation_noise_and_info_lines_are_hidden_with_their_continuations() -> None:
    lines = shown(STARTUP)
    assert not [line for line in lines if "Deprecat" in line or "declare_namespace" in line]
    assert not [line for line in lines if "PEP 420" in line or "URL(" in line]
    assert not [line for line in lines if "Registered function" in line or "Loading model" in line]


def test_own_lines_warnings_errors_and_tracebacks_are_shown() -> None:
    lines = shown(STARTUP)
    assert "Action server on" in lines[0] and "Slack is not configured" in lines[1]
    assert any("UserWarning" in line for line in lines)
    assert any("WARNING  rasa.core.agent" in line for line in lines)
    assert lines[-4:] == STARTUP.splitlines()[-4:]  # the error and its whole traceback


def test_the_log_keeps_every_line_and_debug_shows_them_all() -> None:
    for everything, expected in ((False, len(shown(STARTUP))), (True, len(STARTUP.splitlines()))):
        log, screen = io.StringIO(), io.StringIO()
        pump(io.StringIO(STARTUP), log, screen, everything).join(timeout=5)
        assert log.getvalue() == STARTUP
        assert len(screen.getvalue().splitlines()) == expected
