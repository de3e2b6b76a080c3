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


def test_the_wall_and_collectors_are_checked_by_their_own_endpoints():
    services = load()["services"]
    assert "/readyz" in " ".join(services["wall"]["healthcheck"]["test"])
    assert "/healthz" in " ".join(services["collectors"]["healthcheck"]["test"])
    assert "--ops-port" in services["collectors"]["command"]
    assert "--workers" in services["wall"]["command"]  # gunicorn
    # bulletins are scheduled by one process, beside the wall's state (its archive)
    assert services["scheduler"]["command"][:2] == ["gdwall", "schedule-bulletins"]
    assert "wall-state:/var/lib/gdwall" in services["scheduler"]["volumes"]


def test_the_wall_signs_sessions_with_a_secret_file_and_every_file_it_names_exists():
    doc = load()
    root = COMPOSE.parent
    env = doc["services"]["wall"]["environment"]
    assert env["GDWALL_SECRET_KEY_FILE"] == "/run/secrets/wall_secret_key"
    assert "wall_secret_key" in doc["services"]["wall"]["secrets"]
    assert "GDWALL_SECRET_KEY" not in env  # never the secret itself
    for service in doc["services"].values():
        if "build" in service:
            assert (root / service["build"] / "Dockerfile").exists()
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (root / source).exists(), source
    prometheus = yaml.safe_load((root / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {
        t
        for job in prometheus["scrape_configs"]
        for c in job["static_configs"]
        for t in c["targets"]
    }
    assert {"wall:8050", "collectors:9108"} <= targets
