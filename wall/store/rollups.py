"""Rollups computed from a batch in memory, for buckets whose lower level the store no longer
keeps (raw points older than raw retention are never sent to InfluxDB, which would refuse
them). Backfill writes such history in bucket-aligned batches, so each bucket is whole."""

from __future__ import annotations

import pandas as pd

from wall.store.base import CHINA_OFFSET_S, DAY, HOUR
from wall.store.samples import Batch
from wall.store.schema import FieldType, measurement

STATS = ("count", "sum", "min", "max", "last")


def batch_frame(batch: Batch) -> pd.DataFrame:
    """A batch as a tidy frame: time, tags, numeric fields (NaN where absent)."""
    m = measurement(batch.measurement)
    data = {"time": batch.time} | {t: batch.tags[t] for t in m.tags}
    for f, col in batch.fields.items():
        if m.field(f).type == FieldType.float:
            data[f] = col
    return pd.DataFrame(data)


def rollup_from_batch(batch: Batch, resolution_s: int, last_ts: bool = False) -> pd.DataFrame:
    """Per tag set and bucket: columns <tags>, bucket, and <field>_<stat> for each stat
    (and <field>_last_ts, the time of the last value, when asked)."""
    m = measurement(batch.measurement)
    frame = batch_frame(batch).sort_values("time", kind="stable")
    t = frame["time"].to_numpy()
    if resolution_s == HOUR:
        frame["bucket"] = t - t % HOUR
    elif resolution_s == DAY:
        frame["bucket"] = (t + CHINA_OFFSET_S) // DAY * DAY - CHINA_OFFSET_S
    else:
        raise ValueError("rollups are hourly or daily")
    keys = [*m.tags, "bucket"]
    fields = [f for f in frame.columns if f not in ("time", *keys)]
    grouped = frame.groupby(keys, sort=True)
    out = grouped[fields].agg(["count", "sum", "min", "max", "last"])
    out.columns = [f"{f}_{stat}" for f, stat in out.columns]
    if last_ts:
        for f in fields:
            present = frame[frame[f].notna()]
            out[f"{f}_last_ts"] = present.groupby(keys, sort=True)["time"].max()
    return out.reset_index()
