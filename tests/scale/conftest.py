"""Real PostgreSQL and Redis servers (bot/tools/local_services.py: Debian packages, local
processes on loopback under a temp dir), one action server and two Rasa instances sharing
them through deploy/endpoints.scale.yml. Runs under `make test-all` only
(COPRO_SCALE_TESTS=1): starting it all takes about a minute."""

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.launcher import ROOT, SCALE_ENDPOINTS
from bot.tools.local_services import (
    Postgres,
    ServiceMissing,
    local_postgres,
    local_redis,
    scale_env,
)
from bot.tools.servers import free_port
from tests.servers import MODEL, Server, action_server, rasa_server

ENABLED = os.environ.get("COPRO_SCALE_TESTS") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scale: real PostgreSQL, Redis and two Rasa instances")


def requires_scale() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not ENABLED, reason="scale-out tests run under `make test-all`")


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if not ENABLED:
        pytest.skip("scale-out tests run under `make test-all`")
    try:
        with local_postgres() as server:
            yield server
    except ServiceMissing as missing:
        pytest.fail(str(missing))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not ENABLED:
        pytest.skip("scale-out tests run under `make test-all`")
    try:
        with local_redis(tmp_path_factory.mktemp("redis")) as port:
            yield port
    except ServiceMissing as missing:
        pytest.fail(str(missing))


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
    env = scale_env(postgres, redis_server, f"http://127.0.0.1:{action_port}")
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
