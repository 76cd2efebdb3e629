"""The recent-turns tracker store on real PostgreSQL (deploy/endpoints.scale.yml uses it)."""

import asyncio
import threading

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bot.tools.local_services import DB_NAME, DB_PASSWORD, DB_USER, Postgres
from bot.tracker_store import INDEXES, RecentTurnsTrackerStore
from tests.scale.conftest import requires_scale
from tests.test_stores import ROOT, _converse

pytestmark = [pytest.mark.scale, requires_scale()]


def _settings(postgres: Postgres) -> dict:
    return {
        "dialect": "postgresql",
        "host": "127.0.0.1",
        "port": postgres.port,
        "db": DB_NAME,
        "username": DB_USER,
        "password": DB_PASSWORD,
    }


def test_recent_turns_store_on_postgres(postgres: Postgres) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    rasa = SQLTrackerStore(domain, **_settings(postgres))
    recent = RecentTurnsTrackerStore(domain, recent_turns=3, **_settings(postgres))
    asyncio.run(_converse(rasa, "pg-rasa", 20))
    asyncio.run(_converse(recent, "pg-recent", 20))

    def shape(sender: str) -> list[tuple]:
        return [(type_name, data.count('"')) for _, type_name, _, data in postgres.events(sender)]

    assert shape("pg-recent") == shape("pg-rasa")
    read = asyncio.run(recent.retrieve("pg-recent"))
    users = [e.text for e in read.events if isinstance(e, UserUttered)]
    assert 3 <= len(users) <= 6 and users[-1] == "question 19"
    assert read.current_slot_values() == asyncio.run(rasa.retrieve("pg-rasa")).current_slot_values()
    with postgres.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'events'")
        assert set(INDEXES) <= {name for (name,) in cursor.fetchall()}


def _create_together(stores: list[RecentTurnsTrackerStore]) -> list[BaseException]:
    """Each store creates the schema in its own thread, all released at once."""
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def create(store: RecentTurnsTrackerStore) -> None:
        start.wait()
        try:
            store._create_schema()
        except BaseException as error:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(error)

    threads = [threading.Thread(target=create, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_instances_starting_together_create_the_schema_once(postgres: Postgres) -> None:
    """Several instances on a fresh database all start (CI once saw the second one fail)."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    stores = [RecentTurnsTrackerStore(domain, **_settings(postgres)) for _ in range(6)]
    for _ in range(5):  # a race: several rounds, so that a missing lock shows
        with postgres.connect() as connection, connection.cursor() as cursor:
            cursor.execute("DROP TABLE tracker_windows")
            connection.commit()
        assert _create_together(stores) == []
        with postgres.connect() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'tracker_windows'")
            assert cursor.fetchone() == (1,)
