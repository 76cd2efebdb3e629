"""Findings 2 and 6 of issue 12, and the HTTP API's token, through the real launcher
(``python -m bot run``) and the real action server.

- Every variable documented in ``.env.example`` is given to the launcher (``--check``: it
  checks, writes the effective endpoints file and prints its plan, starting nothing) and
  either shows its effect or is refused with a clear message.
- The action server binds to loopback by default and, with ``ACTION_SERVER_TOKEN``, answers
  nothing but ``/health`` without the token.
- One real run: no ``RASA_AUTH_TOKEN`` (a token file is made), and ``ACTION_SERVER_URL``
  pointing at a token-protected action server with the default endpoints file's settings:
  link answers work, so the variable reached the endpoints Rasa really reads.
"""

import json
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.launcher import ROOT, action_command, read_token, server_env
from bot.tools.chat import status as chat_status
from bot.tools.servers import Server, api_headers, free_port, http_json

MODEL = ROOT / "models" / "assistant.tar.gz"
DOCUMENTED = re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
ACTION_TOKEN = "test-action-server-shared-secret"
API_TOKEN = "test-api-token-0123456789"
SCALE = {"TRACKER_DB_HOST": "db", "TRACKER_DB_PASSWORD": "test-pw", "REDIS_HOST": "cache"}


def clean_env(**overrides: str) -> dict[str, str]:
    """This machine's environment without any documented variable, plus ``overrides``."""
    env = {k: v for k, v in server_env().items() if k not in DOCUMENTED}
    return env | overrides


def launch_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--check", "--state-dir", str(tmp_path)],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def planned(tmp_path: Path, **env: str) -> dict:
    result = launch_check(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(tmp_path: Path, expected: str, **env: str) -> None:
    result = launch_check(tmp_path, **env)
    assert result.returncode == 2, (env, result.stdout, result.stderr)
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def option(plan: dict, name: str, command: str = "rasa") -> str:
    args = plan[command]
    return args[args.index(name) + 1]


def action_endpoint(plan: dict) -> dict:
    return plan["effective_endpoints"]["action_endpoint"]


def _endpoints_file(tmp_path: Path) -> Path:
    path = tmp_path / "custom-endpoints.yml"
    path.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/custom.db\n")
    return path


def _unused_without_scale(name: str, value: str) -> Callable[[Path], None]:
    def check(tmp_path: Path) -> None:
        refused(tmp_path, f"{name} is set but endpoints.yml does not use it", **{name: value})
        plan = planned(tmp_path, **{**SCALE, name: value})
        assert plan["endpoints_source"] == "deploy/endpoints.scale.yml"
        assert f"${{{name}}}" in json.dumps(plan["effective_endpoints"])

    return check


def _rasa_host(tmp_path: Path) -> None:
    assert option(planned(tmp_path, RASA_HOST="127.0.0.2"), "--interface") == "127.0.0.2"
    refused(tmp_path, "without RASA_AUTH_TOKEN", RASA_HOST="0.0.0.0")
    assert option(planned(tmp_path, RASA_HOST="0.0.0.0", RASA_AUTH_TOKEN=API_TOKEN), "--interface")


def _rasa_port(tmp_path: Path) -> None:
    assert option(planned(tmp_path, RASA_PORT="5999"), "--port") == "5999"
    refused(tmp_path, "RASA_PORT must be a port number", RASA_PORT="http")


def _auth_token(tmp_path: Path) -> None:
    plan = planned(tmp_path, RASA_AUTH_TOKEN=API_TOKEN)
    assert plan["api_token"] == "RASA_AUTH_TOKEN"
    assert API_TOKEN not in json.dumps(plan)  # never on the command line
    assert planned(tmp_path)["api_token"] == str(tmp_path / "auth_token")
    refused(tmp_path, "RASA_AUTH_TOKEN must be at least 16 characters", RASA_AUTH_TOKEN="short")


def _slack_token(tmp_path: Path) -> None:
    refused(tmp_path, "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not", SLACK_BOT_TOKEN="x")
    planned(tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="test-secret")


def _slack_secret(tmp_path: Path) -> None:
    refused(tmp_path, "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not",
            SLACK_SIGNING_SECRET="test-secret")  # fmt: skip


def _slack_api(tmp_path: Path) -> None:
    planned(tmp_path, SLACK_API_URL="https://slack.com/api/")  # .env.example's value
    refused(tmp_path, "SLACK_API_URL is set but Slack is not", SLACK_API_URL="http://x/api/")
    slack = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "test-secret"}
    planned(tmp_path, SLACK_API_URL="http://127.0.0.1:9/api/", **slack)


def _cors(tmp_path: Path) -> None:
    plan = planned(tmp_path, RASA_CORS_ORIGINS="https://www.example.org, https://b.example/")
    assert plan["rasa"][plan["rasa"].index("--cors") :] == [
        "--cors",
        "https://www.example.org",
        "https://b.example",
    ]
    refused(tmp_path, "not '*'", RASA_CORS_ORIGINS="*")
    refused(tmp_path, "is not an origin", RASA_CORS_ORIGINS="www.example.org")
    refused(tmp_path, "is not an origin", RASA_CORS_ORIGINS="https://www.example.org/chat")


def _allowed_hosts(tmp_path: Path) -> None:
    planned(tmp_path, RASA_ALLOWED_HOSTS="assistant.example.org,bot.internal")
    refused(tmp_path, "is not a host name", RASA_ALLOWED_HOSTS="https://assistant.example.org")
    refused(tmp_path, "is not a host name", RASA_ALLOWED_HOSTS="assistant.example.org:443")


def _socket_secret(tmp_path: Path) -> None:
    # read by the socket.io channel: tests/integration/test_widget_sessions.py signs with it
    planned(tmp_path, SOCKET_SESSION_SECRET="test-socket-secret")


def _widget_ttl(tmp_path: Path) -> None:
    planned(tmp_path, WIDGET_SESSION_TTL="3600")  # effect: test_widget_sessions.py
    refused(tmp_path, "WIDGET_SESSION_TTL must be a whole number of seconds",
            WIDGET_SESSION_TTL="24h")  # fmt: skip


def _rasa_endpoints(tmp_path: Path) -> None:
    custom = _endpoints_file(tmp_path)
    plan = planned(tmp_path, RASA_ENDPOINTS=str(custom))
    assert plan["endpoints_source"] == str(custom)
    assert plan["effective_endpoints"]["tracker_store"]["db"] == "var/custom.db"
    assert action_endpoint(plan)["url"] == "http://127.0.0.1:5055/webhook"
    refused(tmp_path, "cannot be read", RASA_ENDPOINTS=str(tmp_path / "missing.yml"))
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("action_endpoint:\n  url: http://10.0.0.9:5055/webhook\n")
    refused(tmp_path, "set ACTION_SERVER_URL=http://10.0.0.9:5055/webhook",
            RASA_ENDPOINTS=str(elsewhere))  # fmt: skip


def _tracker_db_host(tmp_path: Path) -> None:
    plan = planned(tmp_path, **SCALE)
    assert plan["endpoints_source"] == "deploy/endpoints.scale.yml"
    assert plan["effective_endpoints"]["tracker_store"]["url"] == "${TRACKER_DB_HOST}"
    refused(tmp_path, "so TRACKER_DB_PASSWORD, REDIS_HOST must be too", TRACKER_DB_HOST="db")
    refused(tmp_path, "TRACKER_DB_HOST is set but", TRACKER_DB_HOST="db",
            TRACKER_DB_PASSWORD="x", REDIS_HOST="r",
            RASA_ENDPOINTS=str(_endpoints_file(tmp_path)))  # fmt: skip


def _action_url(tmp_path: Path) -> None:
    # the finding: with the default endpoints.yml the URL was ignored
    plan = planned(tmp_path, ACTION_SERVER_URL="http://127.0.0.1:5999/webhook")
    assert plan["endpoints_source"] == "endpoints.yml" and plan["actions"] is None
    assert action_endpoint(plan)["url"] == "http://127.0.0.1:5999/webhook"
    written = yaml.safe_load(Path(plan["endpoints"]).read_text())
    assert written["action_endpoint"]["url"] == "http://127.0.0.1:5999/webhook"
    refused(tmp_path, "set ACTION_SERVER_TOKEN", ACTION_SERVER_URL="http://actions:5055/webhook")
    remote = planned(
        tmp_path, ACTION_SERVER_URL="http://actions:5055/webhook", ACTION_SERVER_TOKEN=ACTION_TOKEN
    )
    assert action_endpoint(remote)["headers"] == {"X-Action-Token": "${ACTION_SERVER_TOKEN}"}
    assert ACTION_TOKEN not in Path(remote["endpoints"]).read_text()  # Rasa fills it in
    refused(tmp_path, "must be an http(s) address", ACTION_SERVER_URL="actions:5055")
    scaled = planned(tmp_path, **SCALE, ACTION_SERVER_URL="http://127.0.0.1:5999/webhook")
    assert action_endpoint(scaled)["url"] == "http://127.0.0.1:5999/webhook"


def _action_host(tmp_path: Path) -> None:
    default = planned(tmp_path)
    assert option(default, "--host", "actions") == "127.0.0.1"
    refused(tmp_path, "without ACTION_SERVER_TOKEN", ACTION_SERVER_HOST="0.0.0.0")
    plan = planned(tmp_path, ACTION_SERVER_HOST="0.0.0.0", ACTION_SERVER_TOKEN=ACTION_TOKEN)
    assert option(plan, "--host", "actions") == "0.0.0.0"
    assert action_endpoint(plan)["url"] == "http://127.0.0.1:5055/webhook"
    elsewhere = {"ACTION_SERVER_HOST": "127.0.0.2", "ACTION_SERVER_URL": "http://127.0.0.1:1/x"}
    refused(tmp_path, "ACTION_SERVER_HOST has no effect with ACTION_SERVER_URL", **elsewhere)
    # the documented default (as in .env.example) changes nothing, so it is not refused
    planned(tmp_path, ACTION_SERVER_HOST="127.0.0.1", ACTION_SERVER_URL="http://127.0.0.1:1/x")


def _action_port(tmp_path: Path) -> None:
    plan = planned(tmp_path, ACTION_SERVER_PORT="5999")
    assert option(plan, "--port", "actions") == "5999"
    assert action_endpoint(plan)["url"] == "http://127.0.0.1:5999/webhook"
    refused(tmp_path, "ACTION_SERVER_PORT must be a port number", ACTION_SERVER_PORT="0")


def _action_token(tmp_path: Path) -> None:
    plan = planned(tmp_path, ACTION_SERVER_TOKEN=ACTION_TOKEN)
    assert action_endpoint(plan)["headers"] == {"X-Action-Token": "${ACTION_SERVER_TOKEN}"}
    refused(tmp_path, "ACTION_SERVER_TOKEN must be at least 16", ACTION_SERVER_TOKEN="short")


# Read only by deploy/endpoints.scale.yml: another value without TRACKER_DB_HOST is refused.
UNUSED_WITHOUT_SCALE = {
    "TRACKER_DB_PORT": "6543",
    "TRACKER_DB_NAME": "other",
    "TRACKER_DB_USER": "other",
    "TRACKER_DB_PASSWORD": "test-pw",
    "REDIS_HOST": "cache",
    "REDIS_PORT": "6380",
    "REDIS_DB": "2",
    "REDIS_PASSWORD": "test-pw",
}


def _retention(tmp_path: Path) -> None:
    planned(tmp_path, CONVERSATION_RETENTION_DAYS="30")
    planned(tmp_path, CONVERSATION_RETENTION_DAYS="0")  # off
    refused(tmp_path, "must be a whole number of days", CONVERSATION_RETENTION_DAYS="30d")


CASES: dict[str, Callable[[Path], None]] = {
    "RASA_HOST": _rasa_host,
    "RASA_PORT": _rasa_port,
    "RASA_AUTH_TOKEN": _auth_token,
    "SLACK_BOT_TOKEN": _slack_token,
    "SLACK_SIGNING_SECRET": _slack_secret,
    "SLACK_API_URL": _slack_api,
    "RASA_CORS_ORIGINS": _cors,
    "RASA_ALLOWED_HOSTS": _allowed_hosts,
    "SOCKET_SESSION_SECRET": _socket_secret,
    "WIDGET_SESSION_TTL": _widget_ttl,
    "RASA_ENDPOINTS": _rasa_endpoints,
    "TRACKER_DB_HOST": _tracker_db_host,
    **{name: _unused_without_scale(name, value) for name, value in UNUSED_WITHOUT_SCALE.items()},
    "ACTION_SERVER_URL": _action_url,
    "ACTION_SERVER_HOST": _action_host,
    "ACTION_SERVER_PORT": _action_port,
    "ACTION_SERVER_TOKEN": _action_token,
    "CONVERSATION_RETENTION_DAYS": _retention,
}


def test_every_documented_variable_has_a_launcher_test() -> None:
    assert sorted(DOCUMENTED) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_launcher_applies_or_refuses_each_variable(name: str, tmp_path: Path) -> None:
    CASES[name](tmp_path)


def test_the_example_file_as_written_starts(tmp_path: Path) -> None:
    """``set -a; . ./.env`` of an unedited copy of .env.example must not be refused."""
    values = dict(
        re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M)
    )
    plan = planned(tmp_path, **values)
    assert plan["endpoints_source"] == "endpoints.yml" and plan["actions"]


def test_rasa_reads_the_action_url_and_token_from_the_effective_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.utils import AvailableEndpoints

    plan = planned(
        tmp_path, ACTION_SERVER_URL="http://actions:5055/webhook", ACTION_SERVER_TOKEN=ACTION_TOKEN
    )
    monkeypatch.setenv("ACTION_SERVER_TOKEN", ACTION_TOKEN)
    endpoints = AvailableEndpoints.read_endpoints(plan["endpoints"])
    assert endpoints.action.url == "http://actions:5055/webhook"
    assert endpoints.action.headers == {"X-Action-Token": ACTION_TOKEN}
    assert endpoints.tracker_store.kwargs["db"] == "var/tracker.db"


# ---------- the action server ----------


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def start_action_server(tmp_path: Path, port: int, **env: str) -> Server:
    server = Server(
        action_command(port),
        f"http://127.0.0.1:{port}/health",
        tmp_path / "actions.log",
        server_env() | env,
    )
    return server.start(60)


def call(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, object]:
    reply = http_json(url, data, {"Content-Type": "application/json", **(headers or {})})
    return reply.status, reply.body


MADE_UP_CALL = json.dumps(
    {
        "next_action": "action_show_links",
        "sender_id": "outsider",
        "version": "3.6.21",
        "tracker": {"sender_id": "outsider", "slots": {}, "latest_message": {}, "events": []},
        "domain": {},
    }
).encode()


def test_the_action_server_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    port = free_port()
    server = start_action_server(tmp_path, port)
    try:
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        server.stop()


def test_with_a_token_the_action_server_answers_only_calls_that_carry_it(tmp_path: Path) -> None:
    port = free_port()
    server = start_action_server(tmp_path, port, ACTION_SERVER_TOKEN=ACTION_TOKEN)
    base = f"http://127.0.0.1:{port}"
    try:
        assert call(f"{base}/health")[0] == 200
        for headers in ({}, {"X-Action-Token": "wrong-token-wrong-token"}):
            assert call(f"{base}/actions", headers=headers)[0] == 401
            assert call(f"{base}/webhook", MADE_UP_CALL, headers)[0] == 401
        status, body = call(f"{base}/actions", headers={"X-Action-Token": ACTION_TOKEN})
        assert status == 200 and {"name": "action_show_links"} in body
        status, _ = call(f"{base}/webhook", MADE_UP_CALL, {"X-Action-Token": ACTION_TOKEN})
        assert status == 200
    finally:
        server.stop()


def test_the_action_server_refuses_to_bind_beyond_loopback_without_a_token() -> None:
    result = subprocess.run(
        [*action_command(free_port(), "0.0.0.0")],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "ACTION_SERVER_TOKEN" in result.stderr


# ---------- one real run of the launcher ----------


def test_make_run_makes_a_token_and_sends_actions_where_action_server_url_says(
    tmp_path: Path,
) -> None:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    action_port, rasa_port = free_port(), free_port()
    actions = start_action_server(tmp_path, action_port, ACTION_SERVER_TOKEN=ACTION_TOKEN)
    # the default endpoints file, with this run's tracker database: its action_endpoint
    # still says 127.0.0.1:5055, where nothing of this run listens
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["tracker_store"]["db"] = str(tmp_path / "tracker.db")
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    env = clean_env(
        RASA_PORT=str(rasa_port),
        RASA_ENDPOINTS=str(tmp_path / "endpoints.yml"),
        ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
        ACTION_SERVER_TOKEN=ACTION_TOKEN,
    )
    state = tmp_path / "state"
    log = open(tmp_path / "launcher.log", "w")  # noqa: SIM115
    launcher = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--state-dir", str(state)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{rasa_port}"
    try:
        output = wait_for_output(tmp_path / "launcher.log", "Press Ctrl-C to stop.", launcher)
        token_file = state / "auth_token"
        assert f"HTTP API token:        {token_file}" in output
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        made = token_file.read_text().strip()
        assert len(made) >= 32 and made not in output
        assert f"Action server:         http://127.0.0.1:{action_port}/webhook" in output
        assert call(f"{base}/status")[0] == 401
        assert call(f"{base}/status", headers=api_headers(made))[0] == 200
        # make chat reads the same token and checks the assistant with it first
        webhook = f"{base}/webhooks/rest/webhook"
        assert chat_status(webhook, read_token({}, state)) is None
        assert "refused the HTTP API token" in chat_status(webhook, "test-wrong-token-000000")
        status, body = call(
            f"{base}/webhooks/rest/webhook",
            json.dumps(
                {"sender": "launcher-test", "message": "can I hear Noreen's story?"}
            ).encode(),
        )
        said = "\n".join(m.get("text") or "" for m in body)
        assert status == 200 and "[Noreen's story (on the project page)](https://" in said, body
        assert "Refused" not in (tmp_path / "actions.log").read_text()
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                launcher.kill()
        log.close()
        actions.stop()
    assert launcher.returncode == 0, (tmp_path / "launcher.log").read_text()[-3000:]


def wait_for_output(
    path: Path, marker: str, process: subprocess.Popen, timeout: float = 300
) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace")
        if marker in text:
            return text
        if process.poll() is not None:
            pytest.fail(f"the launcher stopped ({process.returncode}):\n{text[-4000:]}")
        time.sleep(1)
    pytest.fail(f"the launcher did not start in {timeout} s:\n{path.read_text()[-4000:]}")
    raise AssertionError  # not reached
