"""PostgreSQL and Redis as local processes on loopback, for the scale-out tests and benchmark.

The servers come from Debian's packages (``scripts/install-scale-deps.sh``, ``make
scale-deps``) and run under a temp dir that is removed afterwards; nothing is kept. Two
Rasa instances sharing them through ``deploy/endpoints.scale.yml`` is the deployment's
scale-out (``deploy/docker-compose.yml``) on one machine.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.launcher import with_scale_defaults
from bot.tools.servers import free_port

# A throwaway database on loopback, removed with its temp dir: not a secret.
DB_USER, DB_PASSWORD, DB_NAME = "rasa", "scale-test-password", "rasa"


class ServiceMissing(RuntimeError):
    """PostgreSQL or Redis is not installed here."""


def installed() -> bool:
    """Whether both servers' programs are present (``make scale-deps`` installs them)."""
    return bool(_pg_bins("pg_ctl")) and Path(_redis_binary()).exists()


def _pg_bins(name: str) -> list[str]:
    return sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))


def _pg_bin(name: str) -> str:
    found = _pg_bins(name)
    if not found:
        raise ServiceMissing("PostgreSQL is not installed: run `make scale-deps`")
    return found[-1]


def _redis_binary() -> str:
    return shutil.which("redis-server") or "/usr/bin/redis-server"


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as Debian's postgres user
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Postgres:
    data: Path
    port: int
    log: Path

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args]),
            check=True,
            timeout=90,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        self._ctl("-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        self._ctl("-w", "-t", "60", "-m", "fast", "stop")

    def connect(self, database: str = DB_NAME) -> Any:
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=DB_USER, password=DB_PASSWORD, dbname=database
        )

    def events(self, sender: str) -> list[tuple]:
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, type_name, timestamp, data FROM events"
                " WHERE sender_id = %s ORDER BY id",
                (sender,),
            )
            return cursor.fetchall()


@contextmanager
def local_postgres() -> Iterator[Postgres]:
    """A fresh cluster with an empty ``DB_NAME`` database, stopped and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="copro-pg-"))  # outside pytest's 0700 tmp tree
    data, password_file = root / "data", root / "password"
    password_file.write_text(DB_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(password_file, "postgres")
    server = Postgres(data, free_port(), root / "postgres.log")
    try:
        subprocess.run(
            _as_postgres(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    DB_USER,
                    "--auth=scram-sha-256",
                    f"--pwfile={password_file}",
                    "--encoding=UTF8",
                    "--no-instructions",
                ]
            ),  # fmt: skip
            check=True,
            timeout=120,
            capture_output=True,
        )
        server.start()
        connection = server.connect("postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DB_NAME}")
        connection.close()
        yield server
    finally:
        try:
            server.stop()
        except (subprocess.SubprocessError, ServiceMissing):
            pass
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def local_redis(work: Path) -> Iterator[int]:
    """A Redis server without persistence on a free loopback port; yields the port."""
    import redis

    binary = _redis_binary()
    if not Path(binary).exists():
        raise ServiceMissing("redis-server is not installed: run `make scale-deps`")
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(work / "redis.log", "w") as log:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(work),
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        "redis-server did not start:\n" + (work / "redis.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def scale_env(postgres: Postgres, redis_port: int, action_url: str) -> dict[str, str]:
    """The environment ``deploy/endpoints.scale.yml`` reads, for these local servers."""
    return with_scale_defaults(
        {
            "TRACKER_DB_HOST": "127.0.0.1",
            "TRACKER_DB_PORT": str(postgres.port),
            "TRACKER_DB_PASSWORD": DB_PASSWORD,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(redis_port),
            "ACTION_SERVER_URL": f"{action_url}/webhook",
        }
    )
