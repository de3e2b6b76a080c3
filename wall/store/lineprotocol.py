"""Line protocol for InfluxDB's /write, built a batch at a time.

influxdb-client's Point is a correct serializer, but building one object per line caps
ingest far below what influxd takes; here each distinct tag set is escaped once and each
column is formatted in one pass. tests/unit/test_lineprotocol.py compares the output with
Point's, and the integration tests round-trip it through a real influxd.
"""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd

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


def _prefixes(name: str, tags: dict[str, np.ndarray], n: int) -> list[str]:
    """The measurement and tag part of every line; each distinct tag set is escaped once."""
    head = escape_measurement(name)
    names = sorted(tags)  # InfluxDB's own order; also what Point writes
    keys = [escape_key(n) for n in names]
    if not names:
        return [head] * n
    # factorize the tag sets, escape each once, then index back
    combos = pd.MultiIndex.from_arrays([tags[n] for n in names]) if len(names) > 1 else None
    if combos is None:
        codes, uniques = pd.factorize(tags[names[0]])
        texts = [f"{head},{keys[0]}={escape_key(v)}" for v in uniques]
    else:
        codes, uniques = pd.factorize(combos)
        texts = [
            head + "".join(f",{k}={escape_key(v)}" for k, v in zip(keys, combo, strict=True))
            for combo in uniques
        ]
    return np.asarray(texts, dtype=object)[codes].tolist()


def format_floats(col: np.ndarray) -> list[str]:
    """Shortest round-trip text of each float, formatted in one call by orjson (ryu), four
    times faster than repr() one value at a time; NaN comes out as ''."""
    text = orjson.dumps(col, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].decode()
    values = text.split(",") if text else []
    return [("" if v == "null" else v) for v in values] if np.isnan(col).any() else values


def _field_parts(name: str, col: np.ndarray, text: bool) -> list[str]:
    key = escape_key(name) + "="
    if text:
        return [key + quote_string(v) if v is not None else "" for v in col.tolist()]
    return [key + v if v else "" for v in format_floats(col)]


def columns_lines(
    name: str,
    times: np.ndarray,
    tags: dict[str, np.ndarray],
    fields: dict[str, np.ndarray],
    text_fields: frozenset[str] = frozenset(),
) -> list[str]:
    """Lines from columns (float arrays, or object arrays for text_fields); no schema check.
    Lines whose every field is absent are left out."""
    prefixes = _prefixes(name, tags, len(times))
    names = sorted(fields)
    parts = [_field_parts(n, fields[n], n in text_fields) for n in names]
    stamps = times.tolist()
    sparse = any("" in col for col in parts) if len(parts) > 1 else False
    if len(parts) == 1:
        joined = parts[0]
    elif not sparse:
        joined = list(map(",".join, zip(*parts, strict=True)))
    else:
        joined = [",".join(filter(None, fs)) for fs in zip(*parts, strict=True)]
    return [f"{p} {f} {t}" for p, f, t in zip(prefixes, joined, stamps, strict=True) if f]


def batch_lines(batch: Batch) -> list[str]:
    """Serialize a validated batch of the canonical schema."""
    batch.validate()
    m = measurement(batch.measurement)
    text = frozenset(n for n in batch.fields if m.field(n).type == FieldType.text)
    return columns_lines(batch.measurement, batch.time, batch.tags, batch.fields, text)


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
