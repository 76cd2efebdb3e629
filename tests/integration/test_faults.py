"""Faults: the action server goes down and comes back (real servers), and the hook that
turns a custom action that cannot be run into an answer (bot/fault_nlg.py)."""

import asyncio
import json
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot import fault_nlg
from bot.fault_nlg import FaultTolerantNLG, install_action_failure_hook
from bot.launcher import ROOT
from bot.store_health import store_unavailable, unavailable_response
from bot.tools.servers import free_port
from tests.servers import (
    MODEL,
    STEPS,
    action_server,
    allowed_origin,
    rasa_server,
    say,
    sqlite_endpoints,
    tracker,
)

UNAVAILABLE = "unavailable"
NOREEN = "[Noreen's story (on the project page)](https://www.coproductioncollective.co.uk/"
ALLOWED_ORIGIN = "https://allowed.example"


@pytest.mark.integration
def test_action_server_down_then_back(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    rasa_port, action_port = free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(sqlite_endpoints(action_port, tmp_path / "tracker.db"))
    base = f"http://127.0.0.1:{rasa_port}"
    actions = action_server(tmp_path, action_port)
    rasa = rasa_server(tmp_path, rasa_port, endpoints, cors=[ALLOWED_ORIGIN])
    who = f"faults-{uuid.uuid4().hex}"
    try:
        actions.start(60)
        rasa.start()
        # CORS (RASA_CORS_ORIGINS -> rasa run --cors): only the configured origin is allowed
        assert allowed_origin(base, ALLOWED_ORIGIN) == ALLOWED_ORIGIN
        assert allowed_origin(base, "https://elsewhere.example") is None
        assert NOREEN in say(base, who, "can I hear Noreen's story?").text
        assert f"Step 1 of {STEPS}" in say(base, who, "/tour_start").text
        assert f"Step 2 of {STEPS}" in say(base, who, "next").text
        slots = tracker(base, who)["slots"]

        actions.stop()
        # content answers run in the Rasa server (bot/in_process_actions.py): no action
        # server, and the context they record is kept as usual
        survey = say(base, who, "how many surveys were submitted?")
        assert survey.status == 200 and "573" in survey.text
        assert "From: *Section 2" in survey.text
        assert tracker(base, who)["slots"]["last_topic"] == "evidence_surveys"
        # link, tour and follow-up answers are custom actions: they say so instead of silence
        noreen = '/ask_link{"story": "noreen"}'
        for message in (noreen, "next", "can I see the full survey report?"):
            reply = say(base, who, message)
            assert reply.status == 200, message
            assert UNAVAILABLE in reply.text and "](http" not in reply.text, (message, reply.body)
        after = tracker(base, who)["slots"]
        assert after["tour_step"] == slots["tour_step"]  # the tour stays where it was

        actions.start(60)
        assert NOREEN in say(base, who, "can I hear Noreen's story?").text
        assert f"Step 3 of {STEPS}" in say(base, who, "/tour_next").text
        assert "9 pilot projects" in say(base, who, "how many pilot projects were there?").text
    except RuntimeError as error:  # a server did not start: show its log
        pytest.fail(str(error))
    finally:
        rasa.stop()
        actions.stop()


class Failing(RemoteAction):
    def __init__(self, error: Exception) -> None:
        super().__init__("action_show_links", None)
        self.error = error


def run_failing(error: Exception, nlg: object) -> list:
    install_action_failure_hook()
    tracker_ = DialogueStateTracker("unit", [])

    async def original(action, *args):  # what Rasa's RemoteAction.run would raise
        raise action.error

    return asyncio.run(
        fault_nlg._run_or_say_unavailable(
            original, Failing(error), CollectingOutputChannel(), nlg, tracker_, Domain.empty()
        )
    )


def test_an_action_that_cannot_run_answers_with_the_domain_response() -> None:
    text = "Links are unavailable right now."
    nlg = FaultTolerantNLG(domain=Domain.from_dict({"responses": {
        "utter_actions_unavailable": [{"text": text}]
    }}))  # fmt: skip
    events = run_failing(RasaException("connection refused"), nlg)
    assert [type(e) for e in events] == [BotUttered] and events[0].text == text


def test_a_domain_without_the_response_is_refused_at_start() -> None:
    other = Domain.from_dict({"responses": {"utter_greet": [{"text": "Hello"}]}})
    with pytest.raises(RasaException, match="utter_actions_unavailable"):
        FaultTolerantNLG(domain=other)


def test_the_project_domain_has_the_unavailable_response() -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    assert FaultTolerantNLG(domain=domain).responses["utter_actions_unavailable"][0]["text"]


def test_with_no_responses_at_all_the_failure_is_silent_as_in_rasa() -> None:
    assert run_failing(asyncio.TimeoutError(), FaultTolerantNLG(domain=Domain.empty())) == []


def test_rejections_and_other_generators_are_left_to_rasa() -> None:
    nlg = FaultTolerantNLG(domain=Domain.empty())
    with pytest.raises(ActionExecutionRejection):
        run_failing(ActionExecutionRejection("action_show_links"), nlg)
    with pytest.raises(RasaException):
        run_failing(RasaException("down"), TemplatedNaturalLanguageGenerator({}))


def test_the_hook_is_installed_once() -> None:
    install_action_failure_hook()
    wrapped = RemoteAction.run
    install_action_failure_hook()
    assert RemoteAction.run is wrapped and wrapped._fault_tolerant


class Agent:
    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.tracker_store = type("FailSafe", (), {})()
        self.tracker_store._tracker_store = type("Store", (), {"engine": sa.create_engine(url)})()
        self.lock_store = None


def test_a_reachable_store_lets_messages_through(tmp_path: Path) -> None:
    assert asyncio.run(store_unavailable(Agent(f"sqlite:///{tmp_path / 't.db'}"))) is None
    assert asyncio.run(store_unavailable(None)) is None


def test_an_unreachable_database_is_a_503_with_retry_after() -> None:
    closed = free_port()  # nothing listens there
    reason = asyncio.run(store_unavailable(Agent(f"postgresql://rasa:x@127.0.0.1:{closed}/rasa")))
    assert reason and reason.startswith("tracker store")
    domain = Domain.load(str(ROOT / "domain.yml"))
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(domain=domain)))
    reply = unavailable_response(reason, app)
    assert reply.status == 503 and reply.headers["Retry-After"] == "30"
    words = domain.responses["utter_store_unavailable"][0]["text"]
    assert json.loads(reply.body)["error"] == words
