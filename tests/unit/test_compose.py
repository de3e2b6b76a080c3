"""docker-compose.yml is the production deployment; no engine runs here, so check its shape."""

import re
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
            assert (root / service["build"]["context"] / "Dockerfile").exists()
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


def test_images_are_pinned_to_exact_versions():
    for name, service in load()["services"].items():
        if "image" in service:
            tag = service["image"].rsplit(":", 1)[-1]
            # PostgreSQL numbers its releases major.minor (15.10); the others major.minor.patch
            exact = r"\d+\.\d+-" if name == "postgres" else r"v?\d+\.\d+\.\d+"
            assert re.match(exact, tag), (name, service["image"])
    base = re.findall(r"^FROM (\S+)", (COMPOSE.parent / "Dockerfile").read_text(), re.M)
    assert re.match(r"python:\d+\.\d+\.\d+-", base[0]), base


def test_the_state_database_is_postgresql_shared_by_the_wall_and_the_scheduler():
    services = load()["services"]
    assert (
        services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"]
        == "/run/secrets/state_password"
    )
    for name in ("wall", "scheduler"):
        env = services[name]["environment"]
        assert env["GDWALL_STATE_DB"] == "postgresql://gdwall@postgres:5432/gdwall", name
        assert env["GDWALL_STATE_PASSWORD_FILE"] == "/run/secrets/state_password"
        assert "state_password" in services[name]["secrets"]
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_collectors_run_the_slim_image_without_libreoffice():
    services = load()["services"]
    assert services["collectors"]["build"]["target"] == "slim"
    assert services["wall"]["build"]["target"] == services["scheduler"]["build"]["target"] == "full"
    dockerfile = (COMPOSE.parent / "Dockerfile").read_text()
    slim = dockerfile.split("FROM slim AS full")[0]
    assert "AS slim" in slim and "libreoffice" not in slim
    assert "libreoffice" in dockerfile.split("FROM slim AS full")[1]


def test_influxdb_is_initialised_with_the_passwords_of_the_secrets(tmp_path):
    """The image creates its users from INFLUXDB_*_PASSWORD on first start (it ignores
    *_FILE): the entrypoint compose gives it exports them from the secret files, then runs
    the image's own entrypoint with the command."""
    import subprocess

    (tmp_path / "influx_admin_password").write_text("admin-secret\n")
    (tmp_path / "influx_password").write_text("wall-secret\n")
    image = tmp_path / "entrypoint.sh"  # stands for the image's: prints what it was given
    image.write_text('#!/bin/sh\necho "$INFLUXDB_ADMIN_PASSWORD|$INFLUXDB_USER_PASSWORD|$*"\n')
    image.chmod(0o755)
    service = load()["services"]["influxdb"]
    script = COMPOSE.parent / "deploy/influxdb-entrypoint.sh"
    assert service["entrypoint"] == ["/bin/sh", "/gdwall/influxdb-entrypoint.sh"]
    assert "./deploy/influxdb-entrypoint.sh:/gdwall/influxdb-entrypoint.sh:ro" in service["volumes"]
    out = subprocess.run(["/bin/sh", str(script), *service["command"]], capture_output=True, text=True,
                         env={"SECRETS": str(tmp_path), "IMAGE_ENTRYPOINT": str(image), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert out.stdout.strip() == "admin-secret|wall-secret|influxd", out.stderr
