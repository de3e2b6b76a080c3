"""Line protocol for InfluxDB's /write, built a batch at a time.

influxdb-client's Point is a correct serializer, but building one object per line caps
ingest far below what influxd takes; here each distinct tag set is escaped once and each
column is formatted in one pass. tests/unit/test_lineprotocol.py compares the output with
Point's, and the integration tests round-trip it through a real influxd.
"""

from __future__ import annotations

import math

import numpy as np

from wall.store.samples import Batch, Sample
from wall.store.schema import FieldType, measurement

_MEAS = str.maketrans({",": r"\,", " ": r"\ "})
_KEY = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ "})


def escape_measurement(name: str) -> str:
    return name.translate(_MEAS)


def escape_key(text: str) -> str:
    """Escape a tag key, tag value or field key."""
    return text.translate(_KEY)


def quote_string(value: str) -> str:
    """A string field value: double-quoted, with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_float(value: float) -> str:
    """Shortest text that reads back as the same float; always a float, never `1i`."""
    return repr(float(value))


def _prefixes(batch: Batch) -> list[str]:
    head = escape_measurement(batch.measurement)
    names = sorted(batch.tags)  # InfluxDB's own order; also what Point writes
    cols = [batch.tags[n].tolist() for n in names]
    keys = [escape_key(n) for n in names]
    cache: dict[tuple, str] = {}
    out = []
    for combo in zip(*cols, strict=True):
        prefix = cache.get(combo)
        if prefix is None:
            prefix = head + "".join(
                f",{k}={escape_key(v)}" for k, v in zip(keys, combo, strict=True)
            )
            cache[combo] = prefix
        out.append(prefix)
    return out


def _field_parts(name: str, col: np.ndarray, text: bool) -> list[str]:
    key = escape_key(name)
    values = col.tolist()
    if text:
        return [f"{key}={quote_string(v)}" if v is not None else "" for v in values]
    if np.isnan(col).any():
        return [f"{key}={v!r}" if not math.isnan(v) else "" for v in values]
    return [f"{key}={v!r}" for v in values]


def batch_lines(batch: Batch) -> list[str]:
    """Serialize a validated batch; lines whose every field is absent are left out."""
    batch.validate()
    m = measurement(batch.measurement)
    prefixes = _prefixes(batch)
    names = sorted(batch.fields)
    parts = [_field_parts(n, batch.fields[n], m.field(n).type == FieldType.text) for n in names]
    times = batch.time.tolist()
    sparse = any("" in col for col in parts) if len(parts) > 1 else False
    if len(parts) == 1:
        fields = parts[0]
    elif not sparse:
        fields = list(map(",".join, zip(*parts, strict=True)))
    else:
        fields = [",".join(filter(None, fs)) for fs in zip(*parts, strict=True)]
    return [f"{p} {f} {t}" for p, f, t in zip(prefixes, fields, times, strict=True) if f]


def sample_line(sample: Sample) -> str:
    """One sample as one line (the slow path, for single samples and tests)."""
    sample.validate()
    m = measurement(sample.measurement)
    tags = "".join(f",{escape_key(k)}={escape_key(v)}" for k, v in sorted(sample.tags.items()))
    fields = ",".join(
        f"{escape_key(k)}="
        + (quote_string(v) if m.field(k).type == FieldType.text else format_float(v))
        for k, v in sorted(sample.fields.items())
    )
    return f"{escape_measurement(sample.measurement)}{tags} {fields} {sample.time}"
