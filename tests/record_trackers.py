"""Records the tracker states of ``tests/trackers.py`` from the running assistant:
``python -m tests.record_trackers [--url http://127.0.0.1:5005]`` (reads var/auth_token).

Each fixture is a short scripted conversation: the state the next action sees when its last
message arrives (the slots after the earlier messages, the last message as NLU parses it;
the events dropped) is what the unit tests load."""

import argparse
import json
import uuid

from bot.launcher import read_token
from bot.tools.servers import api_headers, get_json, http_json
from tests.trackers import FIXTURES

CONVERSATIONS = {
    # mid-tour (step 2 shown), then a content question: the answer offers to continue the tour
    "mid_tour_question": ["/tour_start", "/tour_next", "what are the values of co-production?"],
    # a precise answer about one fact, then "tell me more": the whole topic
    "after_precise_answer": ["when was the summary published?", "tell me more"],
}


def record(url: str, token: str, messages: list[str]) -> dict:
    sender = f"record-{uuid.uuid4().hex[:8]}"
    *earlier, last = messages
    for message in earlier:
        reply = http_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message})
        assert reply.status == 200, reply
    state = get_json(f"{url}/conversations/{sender}/tracker", token=token)
    parsed = http_json(f"{url}/model/parse", {"text": last}, api_headers(token))
    assert parsed.status == 200, parsed
    state["latest_message"] = parsed.body
    state["events"] = []
    state["sender_id"] = "recorded"
    state.pop("latest_event_time", None)
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    url = parser.parse_args().url
    token = read_token()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, messages in CONVERSATIONS.items():
        state = record(url, token, messages)
        path = FIXTURES / f"{name}.json"
        path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{path}: {len(messages)} messages")


if __name__ == "__main__":
    main()
