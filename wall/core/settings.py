"""The only place that reads the environment: every setting of the wall, with its default.

Every interval, timeout and staleness threshold is in seconds and can be set, so that fault
tests run in seconds and production in minutes with the same code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, Field

from wall.core.plan.loader import DEFAULT_PLAN_PATH

ENV_PREFIX = "GDWALL_"


IMPORTED_MAP = "guangdong-cities.geojson"  # what `gdwall geo import` writes into the data folder


class Settings(BaseModel):
    data_dir: Path = Field(Path("data"), description="Where the embedded store and state live.")
    plan_path: Path = Field(DEFAULT_PLAN_PATH, description="The plan registry YAML.")
    state_db: str | None = Field(
        None,
        description="State database: a file (default data_dir/state.db) or postgresql://user@host/db.",
    )
    store_url: str | None = Field(
        None, description="Metric store URL (influxdb://user@host:8086/db, sqlite:///path.db)."
    )
    links_file: Path | None = Field(
        None,
        description="The extranet links file (default: the shipped wall/core/plan/links.yaml).",
    )
    influx_password: str | None = Field(None, description="InfluxDB password (or _FILE).")
    influx_password_file: Path | None = None
    influx_token: str | None = Field(None, description="InfluxDB 2.x/3.x token (or _FILE).")
    influx_token_file: Path | None = None
    retention_raw_s: int | None = Field(90 * 86400, description="Raw points; empty: for ever.")
    retention_hourly_s: int | None = Field(3 * 365 * 86400, description="Hourly rollups.")
    retention_daily_s: int | None = Field(None, description="Daily rollups; default for ever.")
    spool_dir: Path | None = Field(None, description="Unsent batches; default data_dir/spool.")
    spool_limit_bytes: int = Field(512 * 1024 * 1024, gt=0, description="Spool size limit.")
    demo: bool = Field(False, description="Demo mode: sign-in off, said so on screen.")
    secret_key: str | None = Field(
        None, description="Signs session cookies (or _FILE); required outside demo mode."
    )
    secret_key_file: Path | None = None
    log_format: Literal["json", "text"] = Field(
        "json", description="Logs as JSON lines (with request ids) or as plain text."
    )
    trusted_proxies: str | None = Field(
        None,
        description="Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed: addresses "
        "or networks, comma-separated (e.g. 127.0.0.1,10.20.0.0/24).",
    )
    proxy_hops: int = Field(
        1, ge=1, le=5, description="Proxies in front of the wall, one behind another."
    )
    cookie_secure: bool | None = Field(
        None, description="Secure cookies: true, false, or empty for 'when the request is HTTPS'."
    )
    geometry_path: Path | None = Field(
        None, description="City boundaries GeoJSON (the province's standard map); default packaged."
    )
    stale_after_s: float = Field(300.0, gt=0, description="Age after which data is stale.")
    redis_url: str | None = Field(
        None, description="Redis for the query cache shared by all workers; default in-process."
    )
    cache_bucket_s: float = Field(
        5.0, gt=0, description="Refreshes within one time bucket share cached query answers."
    )
    bulletin_dir: Path | None = Field(
        None,
        description="Archive of bulletins (scheduled and generated); default data_dir/bulletins.",
    )
    bulletin_config: Path | None = Field(
        None, description="Bulletin weights and masthead YAML; default the packaged one."
    )
    layouts_dir: Path | None = Field(
        None, description="Screen layouts and thresholds.yaml; default the packaged layouts/."
    )

    @property
    def geometry_file(self) -> Path | None:
        """The map to draw: GDWALL_GEOMETRY_PATH, else the one `gdwall geo import` wrote into
        the data folder, else None (the packaged map)."""
        if self.geometry_path:
            return self.geometry_path
        imported = self.data_dir / IMPORTED_MAP
        return imported if imported.exists() else None

    @property
    def state_db_path(self) -> Path | str:
        """The state database's file, or its PostgreSQL URL."""
        if self.state_db and self.state_db.startswith(("postgresql://", "postgres://")):
            return self.state_db
        return Path(self.state_db) if self.state_db else self.data_dir / "state.db"

    @property
    def bulletin_path(self) -> Path:
        return self.bulletin_dir or self.data_dir / "bulletins"

    @property
    def spool_path(self) -> Path:
        return self.spool_dir or self.data_dir / "spool"

    def secret(self, name: str) -> str | None:
        """A secret given directly or, preferably, as a file (`<name>_file`)."""
        value = getattr(self, name)
        path = getattr(self, f"{name}_file")
        if value is None and path is not None:
            try:
                value = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(
                    f"cannot read {ENV_PREFIX}{name.upper()}_FILE {path}: {exc}"
                ) from exc
        return value


def from_env(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Build settings from GDWALL_* variables, then explicit overrides (command-line flags)."""
    environ = dict(os.environ if environ is None else environ)
    values: dict = {}
    for name in Settings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in environ:
            values[name] = environ[key]
    for key, value in list(values.items()):
        if value == "" and type(None) in get_args(Settings.model_fields[key].annotation):
            values[key] = None  # an empty variable means "none" (e.g. retention for ever)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.model_validate(values)


def secret_from_env(name: str, environ: dict[str, str] | None = None) -> str:
    """A secret a configuration file names by variable (NAME, or a file path in NAME_FILE)."""
    environ = os.environ if environ is None else environ
    if name in environ:
        return environ[name]
    if f"{name}_FILE" in environ:
        path = Path(environ[f"{name}_FILE"])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"cannot read {name}_FILE {path}: {exc}") from exc
    raise ValueError(f"the secret {name} is not set (set {name} or {name}_FILE)")
