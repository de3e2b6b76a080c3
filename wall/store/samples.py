"""What collectors produce and stores accept: single samples, and columnar batches for bulk.

A Sample is one line of one measurement; a Batch is many lines of one measurement held as
columns (numpy arrays), which is what lets the bulk path run near the server's speed.
Both are validated against the schema before anything is written: a bad value refuses the
whole batch with a clear error, so nothing is ever half-written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from wall.store.schema import FieldType, measurement


class SampleError(ValueError):
    """A sample or batch that the schema or line protocol cannot carry."""


def _check_tag(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise SampleError(f"tag {key}={value!r} must be text")
    if value == "":
        raise SampleError(f"tag {key} is empty (line protocol drops empty tags)")
    if "\n" in value or "\r" in value:
        raise SampleError(
            f"tag {key}={value!r} contains a line break, which line protocol cannot carry"
        )
    if value.endswith("\\"):
        raise SampleError(
            f"tag {key}={value!r} ends with a backslash, which line protocol cannot carry"
        )
    return value


def to_epoch_s(t: datetime | int | float) -> int:
    """Seconds since the epoch; aware datetimes only."""
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise SampleError(f"naive datetime {t.isoformat()} has no time zone")
        return int(t.timestamp())
    return int(t)


@dataclass(frozen=True)
class Sample:
    measurement: str
    tags: Mapping[str, str]
    fields: Mapping[str, float | int | bool | str]
    time: int  # seconds since the epoch, UTC

    @classmethod
    def make(cls, measurement_name: str, tags: Mapping[str, str], fields: Mapping, time) -> Sample:
        """Build and validate a sample (time: aware datetime or epoch seconds)."""
        s = cls(measurement_name, dict(tags), dict(fields), to_epoch_s(time))
        s.validate()
        return s

    def validate(self) -> None:
        """Raise SampleError if the schema or line protocol cannot carry this sample."""
        try:
            m = measurement(self.measurement)
        except KeyError as exc:
            raise SampleError(str(exc.args[0])) from None
        if set(self.tags) != set(m.tags):
            raise SampleError(f"{m.name} needs tags {sorted(m.tags)}, got {sorted(self.tags)}")
        for k, v in self.tags.items():
            _check_tag(k, v)
        if not self.fields:
            raise SampleError(f"{m.name} sample at {self.time} has no fields")
        for name, value in self.fields.items():
            try:
                spec = m.field(name)
            except KeyError as exc:
                raise SampleError(str(exc.args[0])) from None
            if spec.type == FieldType.text:
                if not isinstance(value, str):
                    raise SampleError(f"{m.name}.{name} must be text, got {value!r}")
                continue
            if isinstance(value, str) or not isinstance(value, int | float | bool | np.number):
                raise SampleError(f"{m.name}.{name} must be a number, got {value!r}")
            if not math.isfinite(float(value)):
                raise SampleError(f"{m.name}.{name} is {value!r}: NaN and infinity are refused")


@dataclass
class Batch:
    """Many lines of one measurement as columns. NaN in a numeric column means "no value
    on this line" (as an absent field in line protocol); infinity is refused."""

    measurement: str
    time: np.ndarray  # int64 epoch seconds
    tags: dict[str, np.ndarray]  # object arrays of str
    fields: dict[str, np.ndarray]  # float64 arrays, or object arrays for text fields
    _validated: bool = field(default=False, repr=False)

    def __len__(self) -> int:
        return len(self.time)

    def validate(self) -> Batch:
        """Raise SampleError naming the first problem; return self for chaining."""
        if self._validated:
            return self
        try:
            m = measurement(self.measurement)
        except KeyError as exc:
            raise SampleError(str(exc.args[0])) from None
        n = len(self.time)
        if set(self.tags) != set(m.tags):
            raise SampleError(f"{m.name} needs tags {sorted(m.tags)}, got {sorted(self.tags)}")
        self.time = np.asarray(self.time, dtype=np.int64)
        for k, col in self.tags.items():
            if len(col) != n:
                raise SampleError(f"tag column {k} has {len(col)} values for {n} times")
            for v in set(col.tolist()):
                _check_tag(k, v)
        if not self.fields:
            raise SampleError(f"{m.name} batch has no fields")
        for name, col in list(self.fields.items()):
            try:
                spec = m.field(name)
            except KeyError as exc:
                raise SampleError(str(exc.args[0])) from None
            if len(col) != n:
                raise SampleError(f"field column {name} has {len(col)} values for {n} times")
            if spec.type == FieldType.text:
                self.fields[name] = np.asarray(col, dtype=object)
                continue
            arr = np.asarray(col, dtype=np.float64)
            if np.isinf(arr).any():
                raise SampleError(f"{m.name}.{name} holds infinity, which is refused")
            self.fields[name] = arr
        self._validated = True
        return self

    @classmethod
    def from_samples(cls, samples: Iterable[Sample]) -> list[Batch]:
        """Group validated samples into one batch per measurement and field set."""
        groups: dict[tuple[str, tuple[str, ...]], list[Sample]] = {}
        for s in samples:
            s.validate()
            groups.setdefault((s.measurement, tuple(sorted(s.fields))), []).append(s)
        batches = []
        for (name, fields), group in groups.items():
            m = measurement(name)
            cols: dict[str, np.ndarray] = {}
            for f in fields:
                values = [s.fields[f] for s in group]
                is_text = m.field(f).type == FieldType.text
                cols[f] = np.array(values, dtype=object if is_text else np.float64)
            batches.append(
                cls(
                    name,
                    np.array([s.time for s in group], dtype=np.int64),
                    {t: np.array([s.tags[t] for s in group], dtype=object) for t in m.tags},
                    cols,
                ).validate()
            )
        return batches

    def rows(self) -> Iterable[Sample]:
        """The batch as samples (absent fields left out); for spooling and small paths."""
        tag_names = list(self.tags)
        tag_cols = [self.tags[t].tolist() for t in tag_names]
        field_names = list(self.fields)
        field_cols = [self.fields[f].tolist() for f in field_names]
        for i, t in enumerate(self.time.tolist()):
            values = {}
            for name, col in zip(field_names, field_cols, strict=True):
                v = col[i]
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    continue
                values[name] = v
            if values:
                yield Sample(
                    self.measurement,
                    {k: c[i] for k, c in zip(tag_names, tag_cols, strict=True)},
                    values,
                    t,
                )
