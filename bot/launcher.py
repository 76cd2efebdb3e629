"""``make run``: starts the action server and the Rasa server, prints where to talk, stops both.

Both servers run as child processes of this launcher. Ctrl-C (SIGINT) or SIGTERM
stops them cleanly; if either dies, the other is stopped too.
"""

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ACTION_PORT = 5055  # must match action_endpoint in endpoints.yml
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
    "ACTION_SERVER_URL": f"http://127.0.0.1:{ACTION_PORT}/webhook",
}
SCALE_REQUIRED = ("TRACKER_DB_PASSWORD", "REDIS_HOST")


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see bot/nlu/e5_featurizer.py
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


def cors_origins(env: dict[str, str]) -> list[str]:
    """Origins allowed to call the HTTP API from a browser (RASA_CORS_ORIGINS, comma-separated)."""
    return [o.strip() for o in env.get("RASA_CORS_ORIGINS", "").replace(",", " ").split()]


def rasa_command(
    model: str,
    host: str,
    port: int,
    endpoints: str = "endpoints.yml",
    auth_token: str = "",
    cors: list[str] | None = None,
) -> list[str]:
    token = ["--auth-token", auth_token] if auth_token else []
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
        *token,
        *allowed,
    ]


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def action_command(port: int) -> list[str]:
    return [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]


def free_port() -> int:
    """A free TCP port on the loopback interface (for test and benchmark servers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Value of Co-Production assistant.")
    parser.add_argument("--model", default="models/assistant.tar.gz")
    parser.add_argument("--host", default=os.environ.get("RASA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", "5005")))
    args = parser.parse_args(argv)

    token = os.environ.get("RASA_AUTH_TOKEN", "")
    if not is_loopback(args.host) and not token:
        print(
            "Refusing to expose the HTTP API beyond localhost without RASA_AUTH_TOKEN.",
            file=sys.stderr,
        )
        return 2
    cors = cors_origins(dict(os.environ))
    if "*" in cors:
        print("RASA_CORS_ORIGINS must list origins, not '*'.", file=sys.stderr)
        return 2
    missing = missing_scale_variables(dict(os.environ))
    if missing:
        print(f"TRACKER_DB_HOST is set, so {', '.join(missing)} must be too.", file=sys.stderr)
        return 2
    (ROOT / "var").mkdir(exist_ok=True)
    env = with_scale_defaults(server_env())
    endpoints = endpoints_file(env)
    # An action server elsewhere (ACTION_SERVER_URL) is scaled on its own: start none here.
    local_actions = not os.environ.get("ACTION_SERVER_URL")
    rasa = rasa_command(args.model, args.host, args.port, endpoints, token, cors)
    processes = [subprocess.Popen(rasa, cwd=ROOT, env=env)]
    if local_actions:
        processes.insert(0, subprocess.Popen(action_command(ACTION_PORT), cwd=ROOT, env=env))
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    base = f"http://{args.host}:{args.port}"
    local_action_url = f"http://127.0.0.1:{ACTION_PORT}/health"
    if wait_until_up(f"{base}/", 180, processes):
        print(
            "\nThe Value of Co-Production assistant is running.\n"
            f"  Web chat:              {base}/chat/\n"
            f"  Chat in the terminal:  make chat\n"
            f"  REST:                  curl -s {base}/webhooks/rest/webhook "
            "-H 'Content-Type: application/json' "
            '-d \'{"sender": "me", "message": "what is co-production?"}\'\n'
            f"  Action server:         {env.get('ACTION_SERVER_URL') or local_action_url}\n"
            f"  Conversations kept by: {endpoints}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
    elif not stopping:
        print("The assistant did not start; see the log above.", file=sys.stderr)
        stop(processes)
        return 1
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
    print("\nStopping the assistant...", flush=True)
    stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
