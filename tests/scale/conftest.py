"""Real PostgreSQL and Redis servers (Debian packages, scripts/install-scale-deps.sh) started
as local processes on loopback under a temp dir, one action server and two Rasa instances
sharing them through deploy/endpoints.scale.yml. Runs under `make test-all` only
(COPRO_SCALE_TESTS=1): starting it all takes about a minute."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import redis

from bot.launcher import ROOT, SCALE_ENDPOINTS, with_scale_defaults
from bot.tools.servers import free_port
from tests.servers import MODEL, Server, action_server, rasa_server

ENABLED = os.environ.get("COPRO_SCALE_TESTS") == "1"
DB_USER, DB_PASSWORD, DB_NAME = "rasa", "scale-test-password", "rasa"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scale: real PostgreSQL, Redis and two Rasa instances")


def requires_scale() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not ENABLED, reason="scale-out tests run under `make test-all`")


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail("PostgreSQL is not installed: run scripts/install-scale-deps.sh")
    return found[-1]


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

    def connect(self, database: str = DB_NAME):
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


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if not ENABLED:
        pytest.skip("scale-out tests run under `make test-all`")
    root = Path(tempfile.mkdtemp(prefix="copro-pg-"))  # outside pytest's 0700 tmp tree
    data, password_file = root / "data", root / "password"
    password_file.write_text(DB_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(password_file, "postgres")
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
    server = Postgres(data, free_port(), root / "postgres.log")
    server.start()
    try:
        connection = server.connect("postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DB_NAME}")
        connection.close()
        yield server
    finally:
        try:
            server.stop()
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not ENABLED:
        pytest.skip("scale-out tests run under `make test-all`")
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is not installed: run scripts/install-scale-deps.sh")
    work, port = tmp_path_factory.mktemp("redis"), free_port()
    log = open(work / "redis.log", "w")  # noqa: SIM115
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
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start:\n" + (work / "redis.log").read_text())
            time.sleep(0.2)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@dataclass
class Cluster:
    instances: list[str]  # base URLs of the Rasa instances
    postgres: Postgres
    servers: list[Server]


@pytest.fixture(scope="session")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres: Postgres, redis_server: int
) -> Iterator[Cluster]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    work = tmp_path_factory.mktemp("scale")
    action_port = free_port()
    env = with_scale_defaults(
        {
            "TRACKER_DB_HOST": "127.0.0.1",
            "TRACKER_DB_PORT": str(postgres.port),
            "TRACKER_DB_PASSWORD": DB_PASSWORD,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(redis_server),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        }
    )
    endpoints = ROOT / SCALE_ENDPOINTS
    ports = [free_port(), free_port()]
    servers = [action_server(work, action_port)] + [
        rasa_server(work, port, endpoints, name=f"rasa-{i}", **env) for i, port in enumerate(ports)
    ]
    try:
        for server in servers:  # start all, then wait for each: the instances load in parallel
            server.launch()
        for server in servers:
            server.wait_until_up(300)
        yield Cluster([f"http://127.0.0.1:{port}" for port in ports], postgres, servers)
    except RuntimeError as error:
        pytest.fail(str(error))
    finally:
        for server in servers:
            server.stop()
