"""The request guard's rules (bot/http_guard.py), in-process: which Host names, origins and
paths it lets through. Over real HTTP: tests/integration/test_http_guard.py."""

from bot.http_guard import GuardSettings, host_name, is_api


def test_host_names_are_read_from_host_headers() -> None:
    assert host_name("Example.ORG:5005") == "example.org"
    assert host_name("[::1]:5005") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1"
    assert host_name("assistant.example.org.") == "assistant.example.org"


def test_only_ip_addresses_localhost_and_listed_names_are_served() -> None:
    settings = GuardSettings.from_env(
        {"RASA_ALLOWED_HOSTS": "assistant.example.org, other.example", "RASA_HOST": "0.0.0.0"}
    )
    for host in ("127.0.0.1:5005", "[::1]:5005", "10.1.2.3", "localhost:5005",
                 "assistant.example.org", "OTHER.example:443"):  # fmt: skip
        assert settings.host_allowed(host), host
    for host in ("evil.example:5005", "localhost.evil", "127.0.0.1.nip.io", "", "[::1"):
        assert not settings.host_allowed(host), host
    named = GuardSettings.from_env({"RASA_HOST": "bot.internal"})
    assert named.host_allowed("bot.internal:5005")


def test_origins_are_the_servers_own_or_listed() -> None:
    settings = GuardSettings.from_env({"RASA_CORS_ORIGINS": "https://www.example.org/"})
    assert settings.origin_allowed("https://www.example.org", "bot.example:5005")
    assert settings.origin_allowed("http://127.0.0.1:5005", "127.0.0.1:5005")
    for origin in ("https://evil.example", "null", "http://127.0.0.1:5006", ""):
        assert not settings.origin_allowed(origin, "127.0.0.1:5005"), origin


def test_the_public_paths_are_the_channels_and_the_health_check() -> None:
    for path in ("/", "/webhooks/rest/webhook", "/webhooks/slack/webhook", "/chat",
                 "/chat/widget.js", "/socket.io/"):  # fmt: skip
        assert not is_api(path), path
    for path in ("/conversations/x/tracker", "/model/parse", "/status", "/version",
                 "/domain", "/chatx", "/webhooksx"):  # fmt: skip
        assert is_api(path), path
