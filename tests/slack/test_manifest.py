"""The Slack app manifest asks for what the channel handles, at the channel's address."""

import yaml

from bot.launcher import ROOT

WEBHOOK_PATH = "/webhooks/slack/webhook"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "deploy/slack/manifest.yml").read_text(encoding="utf-8"))


def test_every_request_url_is_the_slack_webhook():
    app = manifest()
    urls = [
        app["settings"]["event_subscriptions"]["request_url"],
        app["settings"]["interactivity"]["request_url"],
        *[command["url"] for command in app["features"]["slash_commands"]],
    ]
    assert all(url.startswith("https://") and url.endswith(WEBHOOK_PATH) for url in urls)
    assert app["settings"]["interactivity"]["is_enabled"] is True
    assert app["settings"]["socket_mode_enabled"] is False


def test_events_and_scopes_match_what_the_channel_answers():
    app = manifest()
    assert sorted(app["settings"]["event_subscriptions"]["bot_events"]) == [
        "app_mention",
        "message.im",
    ]
    assert set(app["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",
        "chat:write",
        "im:history",
        "commands",
    }
    assert [c["command"] for c in app["features"]["slash_commands"]] == ["/coproduction"]


def test_texts_fit_slacks_limits():
    info = manifest()["display_information"]
    assert len(info["name"]) <= 35
    assert len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000


def test_credentials_register_the_channel_without_secrets():
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert "bot.channels.slack.SlackChannel" in credentials
    assert credentials["bot.channels.slack.SlackChannel"] is None  # secrets come from env
