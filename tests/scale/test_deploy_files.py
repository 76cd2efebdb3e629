"""deploy/ checked statically (no Docker engine here): the files parse, services, ports,
variables and class paths agree with each other and with the launcher, and nginx accepts
its configuration (`nginx -t`, where nginx is installed: scripts/install-scale-deps.sh).
These run in `make test`."""

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from rasa.shared.utils.common import class_from_module_path

from bot.launcher import (
    ACTION_TOKEN_HEADER,
    ROOT,
    SCALE_DEFAULTS,
    SCALE_ENDPOINTS,
    SCALE_REQUIRED,
    cors_origins,
    endpoints_file,
    missing_scale_variables,
    rasa_command,
    with_scale_defaults,
)

DEPLOY = ROOT / "deploy"
VARIABLE = re.compile(r"\$\{(\w+)")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return load(DEPLOY / "docker-compose.yml")


@pytest.fixture(scope="module")
def rasa_env(compose: dict) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"]["rasa"]["environment"].items()}


def test_every_yaml_file_in_deploy_parses() -> None:
    files = sorted(DEPLOY.rglob("*.yml")) + sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 3
    for path in files:
        assert load(path) is not None, path


def test_the_default_endpoints_need_no_environment_variables() -> None:
    assert not VARIABLE.search((ROOT / "endpoints.yml").read_text())


def test_the_scale_endpoints_use_only_variables_the_launcher_knows() -> None:
    text = re.sub(r"#.*", "", (ROOT / SCALE_ENDPOINTS).read_text())
    used = set(VARIABLE.findall(text))
    assert used == set(SCALE_DEFAULTS) | set(SCALE_REQUIRED) | {"TRACKER_DB_HOST"}


def test_rasa_reads_the_scale_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.utils import AvailableEndpoints

    env = with_scale_defaults(
        {"TRACKER_DB_HOST": "db", "TRACKER_DB_PASSWORD": "x", "REDIS_HOST": "cache"}
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / SCALE_ENDPOINTS))
    assert endpoints.tracker_store.url == "db" and endpoints.tracker_store.kwargs["port"] == "5432"
    assert endpoints.lock_store.url == "cache"
    assert endpoints.action.url == SCALE_DEFAULTS["ACTION_SERVER_URL"]
    for config in (endpoints.lock_store, endpoints.nlg):
        assert class_from_module_path(config.type)


def test_the_launcher_switches_endpoints_by_environment() -> None:
    assert endpoints_file({}) == "endpoints.yml"
    assert endpoints_file({"TRACKER_DB_HOST": "db"}) == SCALE_ENDPOINTS
    assert endpoints_file({"TRACKER_DB_HOST": "db", "RASA_ENDPOINTS": "x.yml"}) == "x.yml"
    assert missing_scale_variables({}) == []
    assert missing_scale_variables({"TRACKER_DB_HOST": "db"}) == list(SCALE_REQUIRED)
    assert with_scale_defaults({"A": "1"}) == {"A": "1"}
    scaled = with_scale_defaults({"TRACKER_DB_HOST": "db", "REDIS_DB": "3", "REDIS_PORT": ""})
    assert scaled["REDIS_DB"] == "3" and scaled["REDIS_PORT"] == "6379"


def test_cors_origins_come_from_the_environment() -> None:
    assert cors_origins({}) == []
    origins = cors_origins({"RASA_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert origins == ["https://a.example", "https://b.example"]
    command = rasa_command("m.tar.gz", "127.0.0.1", 5005, cors=origins)
    assert command[command.index("--cors") :] == ["--cors", *origins]
    assert "--cors" not in rasa_command("m.tar.gz", "127.0.0.1", 5005)


def test_compose_has_the_services_and_their_build_files(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {"rasa", "actions", "postgres", "redis", "nginx"}
    for name in ("rasa", "actions"):
        assert (ROOT / services[name]["build"]["dockerfile"]).exists()
        assert (DEPLOY / services[name]["build"]["context"]).resolve() == ROOT
    assert services["rasa"]["deploy"]["replicas"] >= 2
    assert "443:443" in services["nginx"]["ports"]
    for volume in services["nginx"]["volumes"]:
        assert (DEPLOY / volume.split(":")[0]).exists(), volume


def test_compose_gives_rasa_every_variable_and_they_agree(
    compose: dict, rasa_env: dict[str, str]
) -> None:
    services = compose["services"]
    needed = set(SCALE_DEFAULTS) | set(SCALE_REQUIRED) | {"TRACKER_DB_HOST", "RASA_AUTH_TOKEN"}
    assert needed <= set(rasa_env)
    assert rasa_env["TRACKER_DB_HOST"] in services and rasa_env["REDIS_HOST"] in services
    postgres = services["postgres"]["environment"]
    assert postgres["POSTGRES_USER"] == rasa_env["TRACKER_DB_USER"]
    assert postgres["POSTGRES_DB"] == rasa_env["TRACKER_DB_NAME"]
    assert postgres["POSTGRES_PASSWORD"] == rasa_env["TRACKER_DB_PASSWORD"]
    assert rasa_env["REDIS_PASSWORD"] in " ".join(services["redis"]["command"])
    action = urlparse(rasa_env["ACTION_SERVER_URL"])
    assert action.hostname == "actions" and action.path == "/webhook"
    assert f'"--port", "{action.port}"' in (DEPLOY / "actions.Dockerfile").read_text()
    assert str(action.port) in services["actions"]["expose"]
    assert f"EXPOSE {rasa_env['RASA_PORT']}" in (DEPLOY / "Dockerfile").read_text()
    # secrets are required from the environment, never written in the file
    for name in ("RASA_AUTH_TOKEN", "TRACKER_DB_PASSWORD", "REDIS_PASSWORD", "ACTION_SERVER_TOKEN"):
        assert rasa_env[name].startswith(f"${{{name}:?"), name
    # the action server is beyond loopback on the compose network: it gets the same token
    actions_env = services["actions"]["environment"]
    assert actions_env["ACTION_SERVER_TOKEN"] == rasa_env["ACTION_SERVER_TOKEN"]
    assert (
        '"-m", "bot.action_server", "--host", "0.0.0.0"'
        in (DEPLOY / "actions.Dockerfile").read_text()
    )
    assert rasa_env["RASA_ALLOWED_HOSTS"].startswith("${RASA_ALLOWED_HOSTS:?")


def test_nginx_proxies_to_rasa_with_https_rate_limits_and_sticky_sessions(
    rasa_env: dict[str, str],
) -> None:
    conf = (DEPLOY / "nginx" / "nginx.conf").read_text()
    assert f"server rasa:{rasa_env['RASA_PORT']}" in conf
    assert "listen 443 ssl" in conf and "return 301 https://" in conf
    assert "limit_req_zone" in conf and conf.count("limit_req zone=") >= 3
    assert "ip_hash;" in conf
    locations = re.findall(r"location\s+([^\s{]+)", conf)
    assert set(locations) == {"/webhooks/", "/socket.io/", "/chat/", "/"}  # no HTTP API


def test_nginx_accepts_its_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx or not shutil.which("openssl"):
        pytest.skip("nginx or openssl not installed (scripts/install-scale-deps.sh)")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(certs / "privkey.pem"),
            "-out",
            str(certs / "fullchain.pem"),
        ],  # fmt: skip
        check=True,
        capture_output=True,
        timeout=60,
    )
    conf = (DEPLOY / "nginx" / "nginx.conf").read_text()
    conf = conf.replace("/etc/nginx/certs/", f"{certs}/").replace(
        "server rasa:", "server 127.0.0.1:"
    )
    mime = Path("/etc/nginx/mime.types")
    conf = conf.replace(
        "include /etc/nginx/mime.types;", f"include {mime};" if mime.exists() else ""
    )
    (tmp_path / "nginx.conf").write_text(conf)
    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-g",
            f"pid {tmp_path / 'nginx.pid'};",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def helm_values() -> dict:
    return load(DEPLOY / "k8s" / "values.yml")


def test_helm_values_scale_out_on_postgres_and_redis(helm_values: dict) -> None:
    settings = helm_values["applicationSettings"]
    endpoints = settings["endpoints"]
    assert endpoints["trackerStore"]["enabled"] and endpoints["trackerStore"]["dialect"] == (
        "postgresql"
    )
    assert endpoints["lockStore"]["enabled"]
    assert class_from_module_path(endpoints["lockStore"]["type"])
    assert class_from_module_path(endpoints["additionalEndpoints"]["nlg"]["type"])
    assert helm_values["replicaCount"] >= 2
    assert helm_values["postgresql"]["install"] and helm_values["redis"]["install"]
    # the action server is its own release, so the endpoint (with its token header) is ours
    assert not helm_values["rasa-action-server"]["install"]
    action = endpoints["additionalEndpoints"]["action_endpoint"]
    assert action["headers"] == {ACTION_TOKEN_HEADER: "${ACTION_SERVER_TOKEN}"}
    actions = load(DEPLOY / "k8s" / "actions-values.yml")
    assert urlparse(action["url"]).port == actions["service"]["port"]
    assert actions["applicationSettings"]["port"] == actions["service"]["port"]
    token_env = [e for e in actions["extraEnv"] if e["name"] == "ACTION_SERVER_TOKEN"]
    assert token_env and "secretKeyRef" in token_env[0]["valueFrom"]
    rasa_env = {e["name"] for e in helm_values["extraEnv"]}
    assert {"ACTION_SERVER_TOKEN", "RASA_AUTH_TOKEN", "RASA_ALLOWED_HOSTS"} <= rasa_env
    assert set(settings["credentials"]["additionalChannelCredentials"]) == set(
        load(ROOT / "credentials.yml")
    )


def test_helm_values_keep_secrets_out_and_the_api_private(helm_values: dict) -> None:
    settings = helm_values["applicationSettings"]
    assert settings["token"].startswith("${") and settings["cors"] != "*"
    assert not settings["telemetry"]["enabled"]
    ingress = helm_values["ingress"]
    assert ingress["enabled"] and ingress["tls"]
    assert "nginx.ingress.kubernetes.io/limit-rps" in ingress["annotations"]
    paths = [ingress["path"]] + [p["path"] for p in ingress["extraPaths"]]
    assert set(paths) == {"/webhooks/", "/socket.io/", "/chat/"}
    text = (DEPLOY / "k8s" / "values.yml").read_text()
    assert not re.search(r"(?i)password:\s*[\"']?(?!\$\{)\w{6,}", text)
