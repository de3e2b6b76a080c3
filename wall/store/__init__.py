"""The metric store: one contract (base.Store), InfluxDB in production, SQLite embedded; the
canonical schema and samples; the spool that keeps batches while the store is away; the traced
store a bulletin reads through.

May import: wall.core only."""

from __future__ import annotations

from pathlib import Path

from wall.store.base import (
    Latest,
    Resolution,
    Retention,
    Store,
    StoreError,
    StoreRefused,
    StoreUnavailable,
)
from wall.store.samples import Batch, Sample, SampleError

__all__ = [
    "Batch",
    "Latest",
    "Resolution",
    "Retention",
    "Sample",
    "SampleError",
    "Store",
    "StoreError",
    "StoreRefused",
    "StoreUnavailable",
    "open_store",
    "store_from_settings",
]


def open_store(
    url: str | None,
    data_dir: str | Path = "data",
    retention: Retention | None = None,
    password: str | None = None,
    token: str | None = None,
) -> Store:
    """Open the store a URL names: influxdb://…, influxdbs://…, sqlite:///rel.db,
    sqlite:////abs.db; None means the embedded store in data_dir/metrics.db."""
    from wall.store.embedded import EmbeddedStore, parse_sqlite_url
    from wall.store.influx import InfluxStore, parse_influx_url

    if url is None or url == "":
        return EmbeddedStore(Path(data_dir) / "metrics.db", retention)
    if url.startswith("sqlite:"):
        return EmbeddedStore(parse_sqlite_url(url), retention)
    if url.startswith(("influxdb:", "influxdbs:")):
        store = InfluxStore(parse_influx_url(url, password=password, token=token), retention)
        return store
    raise ValueError(f"unknown store URL {url!r}: use influxdb://host:8086/db or sqlite:///path.db")


def store_from_settings(settings) -> Store:
    """Open the store the settings name, with their retention and secrets."""
    return open_store(
        settings.store_url,
        data_dir=settings.data_dir,
        retention=Retention(
            settings.retention_raw_s, settings.retention_hourly_s, settings.retention_daily_s
        ),
        password=settings.secret("influx_password"),
        token=settings.secret("influx_token"),
    )
