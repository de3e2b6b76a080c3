"""docker-compose.yml is the production deployment; no engine runs here, so check its shape."""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def load() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_names_every_service_of_the_architecture():
    services = load()["services"]
    assert {"influxdb", "prometheus", "redis", "collectors", "wall"} <= set(services)


def test_every_stateful_service_keeps_its_state_in_a_named_volume():
    doc = load()
    for name in ("influxdb", "prometheus", "collectors", "wall"):
        mounts = [v.split(":")[0] for v in doc["services"][name]["volumes"]]
        assert any(m in doc["volumes"] for m in mounts), name


def test_services_restart_and_servers_have_health_checks():
    services = load()["services"]
    assert all(s.get("restart") == "unless-stopped" for s in services.values())
    for name in ("influxdb", "prometheus", "redis"):
        assert services[name]["healthcheck"]["test"]


def test_no_secret_is_written_in_the_file():
    text = COMPOSE.read_text(encoding="utf-8").lower()
    for env in (load()["services"]["influxdb"]["environment"]).items():
        key, value = env
        if "password" in key.lower():
            assert key.endswith("_FILE") and value.startswith("/run/secrets/")
    assert "password=" not in text and "token=" not in text
