"""``make run``: starts the action server and the Rasa server, prints where to talk, stops both.

Both servers run as child processes of this launcher. Ctrl-C (SIGINT) or SIGTERM
stops them cleanly; if either dies, the other is stopped too.
"""

import argparse
import ipaddress
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ACTION_PORT = 5055  # must match action_endpoint in endpoints.yml


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def rasa_command(
    model: str, host: str, port: int, endpoints: str = "endpoints.yml", auth_token: str = ""
) -> list[str]:
    token = ["--auth-token", auth_token] if auth_token else []
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
    ]


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def action_command(port: int) -> list[str]:
    return [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]


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
    (ROOT / "var").mkdir(exist_ok=True)
    env = server_env()
    processes = [
        subprocess.Popen(action_command(ACTION_PORT), cwd=ROOT, env=env),
        subprocess.Popen(
            rasa_command(args.model, args.host, args.port, auth_token=token), cwd=ROOT, env=env
        ),
    ]
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    base = f"http://{args.host}:{args.port}"
    if wait_until_up(f"{base}/", 180, processes):
        print(
            "\nThe Value of Co-Production assistant is running.\n"
            f"  Web chat:              {base}/chat/\n"
            f"  Chat in the terminal:  make chat\n"
            f"  REST:                  curl -s {base}/webhooks/rest/webhook "
            "-H 'Content-Type: application/json' "
            '-d \'{"sender": "me", "message": "what is co-production?"}\'\n'
            f"  Action server:         http://127.0.0.1:{ACTION_PORT}/health\n"
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
