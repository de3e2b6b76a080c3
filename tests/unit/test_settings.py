"""Settings come from GDWALL_* variables; secrets preferably from files, never from the repo."""

import pytest

from wall.core.settings import from_env
from wall.store import store_from_settings
from wall.store.embedded import EmbeddedStore


def test_defaults_put_everything_in_the_data_folder(tmp_path):
    s = from_env({}, data_dir=tmp_path)
    assert s.state_db_path == tmp_path / "state.db"
    assert s.spool_path == tmp_path / "spool"
    store = store_from_settings(s)
    assert isinstance(store, EmbeddedStore) and store.path == tmp_path / "metrics.db"
    assert store.retention.raw_s == 90 * 86400 and store.retention.daily_s is None


def test_retention_and_intervals_from_the_environment():
    s = from_env(
        {
            "GDWALL_RETENTION_RAW_S": "3600",
            "GDWALL_RETENTION_HOURLY_S": "",
            "GDWALL_STALE_AFTER_S": "2.5",
        }
    )
    assert (s.retention_raw_s, s.retention_hourly_s, s.stale_after_s) == (3600, None, 2.5)


def test_secrets_from_a_file(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    s = from_env(
        {
            "GDWALL_STORE_URL": "influxdb://wall@127.0.0.1:8086/gd",
            "GDWALL_INFLUX_PASSWORD_FILE": str(secret),
        }
    )
    store = store_from_settings(s)
    assert store.config.username == "wall" and store.config.password == "s3cret"
    assert "s3cret" not in store.config.url
    store.close()


def test_unreadable_secret_file_is_a_clear_error(tmp_path):
    s = from_env({"GDWALL_INFLUX_TOKEN_FILE": str(tmp_path / "missing")})
    with pytest.raises(ValueError, match="GDWALL_INFLUX_TOKEN_FILE"):
        s.secret("influx_token")
