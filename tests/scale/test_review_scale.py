"""The review and retention on the PostgreSQL tracker store of the scale-out (two instances
sharing it): feedback given on one instance about an answer from the other is read, and
expired sessions are deleted from PostgreSQL. Runs under `make test-all`."""

import uuid
from pathlib import Path

import pytest

from actions.feedback import feedback_payload
from bot import retention
from bot.launcher import ROOT, SCALE_ENDPOINTS
from bot.tools.local_services import DB_PASSWORD
from bot.tools.review import cli
from bot.tools.review.demo import last_answer_id
from tests.scale.conftest import Cluster, requires_scale
from tests.servers import say, tracker

pytestmark = [pytest.mark.scale, requires_scale()]
COMMENT = "Which councils took part?"


@pytest.fixture
def scale_env(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment the scale endpoints file reads; returns that file."""
    for name, value in {
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": str(cluster.postgres.port),
        "TRACKER_DB_NAME": "rasa",
        "TRACKER_DB_USER": "rasa",
        "TRACKER_DB_PASSWORD": DB_PASSWORD,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "REDIS_PASSWORD": "",
        "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
    }.items():
        monkeypatch.setenv(name, value)
    return ROOT / SCALE_ENDPOINTS


def test_the_review_reads_postgresql(cluster: Cluster, scale_env: Path, tmp_path: Path) -> None:
    a, b = cluster.instances
    who = f"scale-review-{uuid.uuid4().hex}"
    assert say(a, who, "How many people work at the EPPI Centre?").status == 200
    assert "573" in say(b, who, "how many surveys were submitted?").text
    answer_id = last_answer_id(tracker(b, who))
    assert say(a, who, feedback_payload("not_helpful", answer_id, COMMENT)).body == []
    arguments = ["--since", "1d", "--out", str(tmp_path), "--key", str(tmp_path / "key"),
                 "--endpoints", str(scale_env)]  # fmt: skip
    assert cli.main(arguments) == 0
    markdown = (tmp_path / "review.md").read_text(encoding="utf-8")
    assert "postgresql" in markdown.split("\n", 3)[2]
    assert "| how many surveys were submitted? | The 573 surveys: " in markdown
    assert COMMENT in markdown
    assert "How many people work at the EPPI Centre?" in markdown
    assert who not in markdown


def test_retention_deletes_expired_sessions_from_postgresql(
    cluster: Cluster, scale_env: Path
) -> None:
    a, _ = cluster.instances
    old, kept = f"scale-old-{uuid.uuid4().hex}", f"scale-kept-{uuid.uuid4().hex}"
    for sender in (old, kept):
        assert say(a, sender, "what is co-production?").status == 200
    with cluster.postgres.connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            "UPDATE events SET timestamp = timestamp - %s WHERE sender_id = %s",
            (40 * 86400, old),
        )
    assert retention.main(["--days", "30", "--endpoints", str(scale_env)]) == 0
    assert cluster.postgres.events(old) == []
    assert len(cluster.postgres.events(kept)) > 3
    assert "co-production" in say(a, old, "what is co-production?").text.lower()  # starts afresh
