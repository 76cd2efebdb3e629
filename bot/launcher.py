"""``make run``: starts the action server and the Rasa server, prints where to talk, stops both.

Both servers run as child processes of this launcher. Ctrl-C (SIGINT) or SIGTERM
stops them cleanly; if either dies, the other is stopped too.

Before starting anything the launcher checks every variable documented in ``.env.example``
and refuses (exit 2, one clear line each) a setting that would have no effect or would open
something up. Then:

- the HTTP API always has a token: ``$RASA_AUTH_TOKEN``, else a random one kept in
  ``var/auth_token`` (owner-only), which ``make chat`` and the project's tools read;
- the action server binds to ``$ACTION_SERVER_HOST`` (loopback by default); beyond loopback,
  and for an action server elsewhere (``$ACTION_SERVER_URL``), ``$ACTION_SERVER_TOKEN`` is
  required and Rasa sends it on every call;
- Rasa reads an effective endpoints file, ``var/endpoints.effective.yml``: the chosen file
  (``endpoints.yml``, ``deploy/endpoints.scale.yml`` or ``$RASA_ENDPOINTS``) with the action
  endpoint this run really uses, whatever the file said.

``--check`` does all of that without starting anything and prints the plan as JSON.
"""

import argparse
import ipaddress
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.retention import RETENTION_VAR, retention_days
from bot.server_output import log_path, pump

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
STATE_DIR = ROOT / "var"
TOKEN_FILE = "auth_token"
EFFECTIVE_ENDPOINTS = "endpoints.effective.yml"
ACTION_PORT = 5055  # the default; ACTION_SERVER_PORT changes it
DEFAULT_ACTION_URL = f"http://127.0.0.1:{ACTION_PORT}/webhook"
ACTION_TOKEN_HEADER = "X-Action-Token"  # checked by bot/action_server.py
MIN_TOKEN_CHARS = 16
# At scale (README "Deployment"): PostgreSQL tracker store and Redis lock store, chosen when
# TRACKER_DB_HOST is set. Rasa refuses a ${VAR} that is unset, so every variable the file
# uses gets a default here, except the two that must be given.
SCALE_ENDPOINTS = "deploy/endpoints.scale.yml"
SCALE_DEFAULTS = {
    "TRACKER_DB_PORT": "5432",
    "TRACKER_DB_NAME": "rasa",
    "TRACKER_DB_USER": "rasa",
    "REDIS_PORT": "6379",
    "REDIS_DB": "0",
    "REDIS_PASSWORD": "",
    "ACTION_SERVER_URL": DEFAULT_ACTION_URL,
}
SCALE_REQUIRED = ("TRACKER_DB_PASSWORD", "REDIS_HOST")
# Variables that only an endpoints file reads: set, they must be used by the file in use.
ENDPOINT_VARIABLES = (
    "TRACKER_DB_HOST",
    "TRACKER_DB_PORT",
    "TRACKER_DB_NAME",
    "TRACKER_DB_USER",
    "TRACKER_DB_PASSWORD",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_DB",
    "REDIS_PASSWORD",
)
SLACK_API_DEFAULT = "https://slack.com/api/"
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?")
_VARIABLE = re.compile(r"\$\{(\w+)\}")


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see bot/nlu/e5_featurizer.py
    # One OpenMP thread for the e5 engine: it embeds a question as fast as on two, and leaves
    # the other core to the event loop (make bench, "What each lever gives": +16% replies/s
    # at 8 conversations); the vectors are bit for bit the same (README "Speed").
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def endpoints_file(env: dict[str, str]) -> str:
    """RASA_ENDPOINTS if given, the scale-out file when TRACKER_DB_HOST is set, else the default."""
    if env.get("RASA_ENDPOINTS"):
        return env["RASA_ENDPOINTS"]
    return SCALE_ENDPOINTS if env.get("TRACKER_DB_HOST") else "endpoints.yml"


def with_scale_defaults(env: dict[str, str]) -> dict[str, str]:
    """At scale, every variable of the scale endpoints that is unset or empty gets its default."""
    if not env.get("TRACKER_DB_HOST"):
        return dict(env)
    return {**env, **{k: v for k, v in SCALE_DEFAULTS.items() if not env.get(k)}}


def missing_scale_variables(env: dict[str, str]) -> list[str]:
    if not env.get("TRACKER_DB_HOST"):
        return []
    return [name for name in SCALE_REQUIRED if not env.get(name)]


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.replace(",", " ").split() if item.strip()]


def cors_origins(env: dict[str, str]) -> list[str]:
    """Origins allowed to call the HTTP API from a browser (RASA_CORS_ORIGINS, comma-separated)."""
    return split_list(env.get("RASA_CORS_ORIGINS", ""))


def rasa_command(
    model: str,
    host: str,
    port: int,
    endpoints: str = "endpoints.yml",
    cors: list[str] | None = None,
) -> list[str]:
    """``rasa run`` with the HTTP API. Its token travels in the environment (RASA_AUTH_TOKEN,
    checked by bot/http_guard.py), never on the command line where ``ps`` shows it."""
    allowed = ["--cors", *cors] if cors else []
    return [
        str(VENV_BIN / "rasa"),
        "run",
        "--model",
        model,
        "--enable-api",
        "--interface",
        host,
        "--port",
        str(port),
        "--credentials",
        "credentials.yml",
        "--endpoints",
        endpoints,
        *allowed,
    ]


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("0.0.0.0", "::")


def action_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The action server (bot/action_server.py: rasa_sdk, bound to ``host``)."""
    return [
        str(VENV_BIN / "python"),
        "-m",
        "bot.action_server",
        "--host",
        host,
        "--port",
        str(port),
    ]


def action_url(host: str, port: int) -> str:
    """Where Rasa reaches a local action server bound to ``host``."""
    if is_wildcard(host):
        host = "127.0.0.1" if ":" not in host else "::1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/webhook"


def load_or_create_token(path: Path) -> str:
    """The API token kept in ``path`` (owner-only), made at random the first time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        token = path.read_text().strip()
        if len(token) < MIN_TOKEN_CHARS:
            raise RuntimeError(
                f"{path} holds no usable token: delete it to make a new one"
            ) from None
        return token
    made = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as file:
        file.write(made + "\n")
    return made


def read_token(env: dict[str, str] | None = None, state_dir: Path = STATE_DIR) -> str:
    """The HTTP API token the tools use: ``$RASA_AUTH_TOKEN``, else ``var/auth_token``."""
    env = os.environ if env is None else env
    if env.get("RASA_AUTH_TOKEN"):
        return env["RASA_AUTH_TOKEN"]
    try:
        return (state_dir / TOKEN_FILE).read_text().strip()
    except OSError:
        return ""


def wait_until_up(url: str, timeout: float, processes: list[subprocess.Popen]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def start(
    command: list[str], env: dict[str, str], state_dir: Path, name: str, everything: bool
) -> subprocess.Popen:
    """A server process whose whole output goes to ``var/log/<name>.log`` and whose lines
    that matter (``bot/server_output.py``) to the terminal."""
    log = log_path(state_dir, name).open("a", encoding="utf-8")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        errors="replace",
    )
    pump(process.stdout, log, sys.stderr, everything)
    return process


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Plan:
    """What one run starts, and with what."""

    host: str
    port: int
    endpoints_source: str  # the file chosen (endpoints.yml, the scale file, RASA_ENDPOINTS)
    endpoints: dict  # its content with the action endpoint this run uses
    action_url: str
    action: list[str] | None  # the local action server's command, None when it runs elsewhere
    cors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _port(value: str, name: str, problems: list[str]) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        problems.append(f"{name} must be a port number (1-65535), not {value!r}.")
        return 0
    return int(value)


def _check_token(env: dict[str, str], name: str, problems: list[str]) -> None:
    if env.get(name) and len(env[name]) < MIN_TOKEN_CHARS:
        problems.append(f"{name} must be at least {MIN_TOKEN_CHARS} characters (use a random one).")


def _check_browser_settings(env: dict[str, str], problems: list[str]) -> list[str]:
    cors = cors_origins(env)
    if "*" in cors:
        problems.append("RASA_CORS_ORIGINS must list origins, not '*'.")
    for origin in cors:
        parts = urlsplit(origin)
        if origin != "*" and (
            parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/")
        ):
            problems.append(
                f"RASA_CORS_ORIGINS: {origin!r} is not an origin (scheme://host[:port])."
            )
    for name in split_list(env.get("RASA_ALLOWED_HOSTS", "")):
        if not _HOST_NAME.fullmatch(name.lower()):
            problems.append(f"RASA_ALLOWED_HOSTS: {name!r} is not a host name (no scheme or port).")
    ttl = env.get("WIDGET_SESSION_TTL", "")
    if ttl and (not ttl.isdigit() or int(ttl) <= 0):
        problems.append(f"WIDGET_SESSION_TTL must be a whole number of seconds, not {ttl!r}.")
    return [o.rstrip("/") for o in cors]


def _check_retention(env: dict[str, str], problems: list[str]) -> None:
    try:
        retention_days(env.get(RETENTION_VAR))
    except ValueError as error:
        problems.append(str(error))


def _check_slack(env: dict[str, str], problems: list[str]) -> None:
    given = [n for n in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if env.get(n)]
    if len(given) == 1:
        other = ({"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} - set(given)).pop()
        problems.append(f"{given[0]} is set but {other} is not: Slack needs both.")
    api = env.get("SLACK_API_URL", "")
    if api and api != SLACK_API_DEFAULT:
        if not given:
            problems.append("SLACK_API_URL is set but Slack is not (SLACK_BOT_TOKEN).")
        elif urlsplit(api).scheme not in ("http", "https"):
            problems.append(f"SLACK_API_URL must be an http(s) address, not {api!r}.")


def _read_endpoints(path: Path, problems: list[str]) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        problems.append(f"The endpoints file {path} cannot be read.")
        return {}, ""
    try:
        content = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        problems.append(f"The endpoints file {path} is not valid YAML: {error}")
        return {}, text
    if not isinstance(content, dict):
        problems.append(f"The endpoints file {path} is not a mapping.")
        return {}, text
    return content, re.sub(r"#.*", "", text)


def _check_endpoint_variables(env: dict[str, str], source: str, text: str, problems: list[str]):
    used = set(_VARIABLE.findall(text))
    for name in ENDPOINT_VARIABLES:
        value = env.get(name, "")
        if value and name not in used and value != SCALE_DEFAULTS.get(name):
            hint = (
                "set TRACKER_DB_HOST to use deploy/endpoints.scale.yml, or unset it"
                if not env.get("TRACKER_DB_HOST")
                else "use an endpoints file that reads it, or unset it"
            )
            problems.append(f"{name} is set but {source} does not use it: {hint}.")


def _action_settings(env: dict[str, str], problems: list[str]) -> tuple[str, list[str] | None]:
    """The action endpoint's URL, and the local action server's command (None: elsewhere)."""
    _check_token(env, "ACTION_SERVER_TOKEN", problems)
    token = env.get("ACTION_SERVER_TOKEN", "")
    url = env.get("ACTION_SERVER_URL", "")
    if url:
        defaults = {"ACTION_SERVER_HOST": "127.0.0.1", "ACTION_SERVER_PORT": str(ACTION_PORT)}
        for name, default in defaults.items():
            if env.get(name) and env[name] != default:
                problems.append(
                    f"{name} has no effect with ACTION_SERVER_URL (no action server is "
                    "started here): unset one of them."
                )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"ACTION_SERVER_URL must be an http(s) address, not {url!r}.")
        elif not is_loopback(parts.hostname) and not token:
            problems.append(
                f"ACTION_SERVER_URL points beyond this machine ({parts.hostname}): set "
                "ACTION_SERVER_TOKEN (the same on the action server) so every call is checked."
            )
        return url, None
    host = env.get("ACTION_SERVER_HOST") or "127.0.0.1"
    port = _port(env.get("ACTION_SERVER_PORT") or str(ACTION_PORT), "ACTION_SERVER_PORT", problems)
    if not is_loopback(host) and not token:
        problems.append(
            f"Refusing to serve actions on {host} without ACTION_SERVER_TOKEN: beyond loopback "
            "every call must carry the shared secret."
        )
    return action_url(host, port), action_command(port, host)


def _effective_endpoints(
    content: dict, source: str, url: str, token: str, problems: list[str]
) -> dict:
    """``content`` with the action endpoint this run uses (and the token header, if any)."""
    endpoint = content.get("action_endpoint") or {}
    if not isinstance(endpoint, dict):
        endpoint = {"url": endpoint}
    written = endpoint.get("url")
    if written not in (None, "${ACTION_SERVER_URL}", DEFAULT_ACTION_URL, url):
        problems.append(
            f"{source} sends actions to {written}, but this run uses {url}: set "
            f"ACTION_SERVER_URL={written} to use that server, or remove action_endpoint "
            "from the file."
        )
    endpoint = {**endpoint, "url": url}
    if token:
        headers = endpoint.get("headers") if isinstance(endpoint.get("headers"), dict) else {}
        # Rasa fills this in from its environment: the secret is never written to disk
        endpoint["headers"] = {**headers, ACTION_TOKEN_HEADER: "${ACTION_SERVER_TOKEN}"}
    return {**content, "action_endpoint": endpoint}


def plan(env: dict[str, str], host: str, port: str) -> Plan:
    """Checks the settings in ``env`` and says what to start. ``Plan.problems``: refusals."""
    problems: list[str] = []
    rasa_port = _port(port, "RASA_PORT", problems)
    if not is_loopback(host) and not env.get("RASA_AUTH_TOKEN"):
        problems.append("Refusing to expose the HTTP API beyond localhost without RASA_AUTH_TOKEN.")
    _check_token(env, "RASA_AUTH_TOKEN", problems)
    cors = _check_browser_settings(env, problems)
    _check_slack(env, problems)
    _check_retention(env, problems)
    missing = missing_scale_variables(env)
    if missing:
        problems.append(f"TRACKER_DB_HOST is set, so {', '.join(missing)} must be too.")
    source = endpoints_file(env)
    path = Path(source) if Path(source).is_absolute() else ROOT / source
    content, text = _read_endpoints(path, problems)
    _check_endpoint_variables(env, source, text, problems)
    url, action = _action_settings(env, problems)
    token = env.get("ACTION_SERVER_TOKEN", "")
    endpoints = _effective_endpoints(content, source, url, token, problems)
    return Plan(host, rasa_port, source, endpoints, url, action, cors, problems)


def write_endpoints(content: dict, state_dir: Path) -> Path:
    target = state_dir / EFFECTIVE_ENDPOINTS
    state_dir.mkdir(parents=True, exist_ok=True)
    header = "# Written by bot/launcher.py for this run: edit the endpoints file it names.\n"
    target.write_text(header + yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Value of Co-Production assistant.")
    parser.add_argument("--model", default="models/assistant.tar.gz")
    parser.add_argument("--host", default=os.environ.get("RASA_HOST") or "127.0.0.1")
    parser.add_argument("--port", default=os.environ.get("RASA_PORT") or "5005")
    parser.add_argument(
        "--state-dir", type=Path, default=STATE_DIR, help="where the token and files go (var/)"
    )
    parser.add_argument(
        "--check", action="store_true", help="check the settings, print the plan, start nothing"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the servers' whole output (Rasa at debug level), not only what matters; "
        "it is always kept in var/log/rasa.log and var/log/actions.log",
    )
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    run = plan(server_env(), args.host, str(args.port))
    if run.problems:
        for problem in run.problems:
            print(problem, file=sys.stderr)
        return 2
    env = with_scale_defaults(server_env())
    token_file = state_dir / TOKEN_FILE
    token_source = "RASA_AUTH_TOKEN" if env.get("RASA_AUTH_TOKEN") else str(token_file)
    endpoints = write_endpoints(run.endpoints, state_dir)
    rasa = rasa_command(args.model, run.host, run.port, str(endpoints), run.cors)
    if args.check:
        summary = {
            "rasa": rasa,
            "actions": run.action,
            "action_url": run.action_url,
            "endpoints_source": run.endpoints_source,
            "endpoints": str(endpoints),
            "effective_endpoints": run.endpoints,
            "api_token": token_source,
            "cors": run.cors,
        }
        print(json.dumps(summary, indent=2))
        return 0
    if not env.get("RASA_AUTH_TOKEN"):
        env["RASA_AUTH_TOKEN"] = load_or_create_token(token_file)
    env["RASA_CORS_ORIGINS"] = ",".join(run.cors)
    env["RASA_HOST"] = run.host
    if args.debug:
        rasa.append("--debug")
    processes = [start(rasa, env, state_dir, "rasa", args.debug)]
    if run.action:
        processes.insert(0, start(run.action, env, state_dir, "actions", args.debug))
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    shown = "127.0.0.1" if is_wildcard(run.host) else run.host
    base = f"http://{shown}:{run.port}"
    if wait_until_up(f"{base}/", 180, processes):
        print(
            "\nThe Value of Co-Production assistant is running.\n"
            f"  Web chat:              {base}/chat/\n"
            f"  Chat in the terminal:  make chat\n"
            f"  REST:                  curl -s {base}/webhooks/rest/webhook "
            "-H 'Content-Type: application/json' "
            '-d \'{"sender": "me", "message": "what is co-production?"}\'\n'
            f"  HTTP API token:        {token_source} (send 'Authorization: Bearer <token>')\n"
            f"  Action server:         {run.action_url}\n"
            f"  Endpoints:             {run.endpoints_source} (as run: {endpoints})\n"
            f"  Full logs:             {log_path(state_dir, 'rasa')}, "
            f"{log_path(state_dir, 'actions')}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
    elif not stopping:
        print(
            f"The assistant did not start; see the lines above and {log_path(state_dir, 'rasa')}.",
            file=sys.stderr,
        )
        stop(processes)
        return 1
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
    print("\nStopping the assistant...", flush=True)
    stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
