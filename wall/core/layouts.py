"""Screens as data: `layouts/*.yaml` place panels on a grid; `layouts/thresholds.yaml` names
the levels of every field the panels judge.

Both are read with line numbers, so a bad file is refused with file, line and field. The wall
re-reads them when a file changes (no restart): a change that does not validate is refused,
the last good version stays on screen and the refusal is shown in the wall's banner.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from wall.core.configfile import ConfigError, Problem, load_yaml, parse_model

DEFAULT_LAYOUTS_DIR = Path(__file__).resolve().parents[1] / "layouts"  # shipped in the package
THRESHOLDS_FILE = "thresholds.yaml"

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- thresholds


class Direction(StrEnum):
    above = "above"  # higher is worse: utilization of a node, open incidents
    below = "below"  # lower is worse: progress against the plan


class Level(StrEnum):
    """The named levels of a threshold, in order: ok, careful (留意), warn (警告, "warning"),
    bad (严重, "critical")."""

    ok = "ok"
    careful = "careful"
    warn = "warn"
    bad = "bad"
    none = "none"  # nothing to judge (no data)


LEVEL_NAME = {Level.ok: "正常", Level.careful: "留意", Level.warn: "警告", Level.bad: "严重",
              Level.none: "无数据"}  # fmt: skip


class Threshold(Strict):
    label: str = Field(min_length=1)
    unit: str = ""
    direction: Direction
    careful: float | None = None  # optional first step: worth a look, not yet a warning
    warn: float
    bad: float

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        above = self.direction == Direction.above
        side = "above" if above else "below"
        if not (self.bad >= self.warn if above else self.bad <= self.warn):
            raise ValueError(f"with direction {self.direction}, bad must lie {side} warn")
        if self.careful is not None and not (
            self.warn >= self.careful if above else self.warn <= self.careful
        ):
            raise ValueError(f"with direction {self.direction}, warn must lie {side} careful")
        return self

    def level(self, value: float | None) -> Level:
        """The named level of a value: bad past `bad`, warn past `warn`, careful past
        `careful` (when given), else ok."""
        if value is None:
            return Level.none
        if self.direction == Direction.above:
            steps = ((self.bad, Level.bad), (self.warn, Level.warn), (self.careful, Level.careful))
            return next((lvl for t, lvl in steps if t is not None and value >= t), Level.ok)
        if value <= self.bad:
            return Level.bad
        if value < self.warn:
            return Level.warn
        if self.careful is not None and value < self.careful:
            return Level.careful
        return Level.ok


class Thresholds(Strict):
    schema_version: Literal[1]
    kind: Literal["thresholds"]
    fields: dict[FieldName, Threshold]

    def __getitem__(self, name: str) -> Threshold:
        return self.fields[name]


# ---- screens


class PanelKind(StrEnum):
    """The panels the wall draws out of the box; the web's panel registry may add more."""

    tiles = "tiles"
    map = "map"
    milestones = "milestones"
    nodes = "nodes"
    security = "security"
    alerts = "alerts"


# every panel kind a layout may name: the built-in ones, and those the panel registry adds
PANEL_KINDS: set[str] = {k.value for k in PanelKind}


TILE_KINDS = ("cities", "prd", "industry", "vcpu", "migrated", "utilization", "city_targets",
              "incidents")  # fmt: skip


class Area(Strict):
    """Where a panel sits: grid column and row (from 1) and how many it spans."""

    col: int = Field(ge=1)
    row: int = Field(ge=1)
    width: int = Field(ge=1)
    height: int = Field(ge=1)


class Panel(Strict):
    panel: Slug  # one of PANEL_KINDS (checked with the file's line)
    title: str | None = None
    area: Area
    wide: Area | None = None  # the area on a wall at least three times wider than high
    tiles: list[Literal[TILE_KINDS]] | None = None  # type: ignore[valid-type]
    thresholds: list[FieldName] = []  # the fields of thresholds.yaml this panel judges by
    limit: int = Field(8, ge=2, le=50)  # rows of a list panel (alerts, milestones)
    # an alert panel's rows in its wide area, when that holds more (or fewer) than `area`
    wide_limit: int | None = Field(None, ge=2, le=50)
    # what a map's colours answer: the plan (the judge's verdicts; health marked only where
    # something is wrong) or the nodes' health
    colour: Literal["plan", "health"] = "plan"
    # what an alert panel shows in the room its alerts leave: the plan's next deadlines with
    # the days left (once all are past, the plan's score), or nothing
    quiet: Literal["deadlines", "none"] = "deadlines"


class Grid(Strict):
    columns: int = Field(12, ge=1, le=48)
    rows: int = Field(8, ge=1, le=48)
    wide_columns: int | None = Field(None, ge=1, le=96)
    wide_rows: int | None = Field(None, ge=1, le=48)


class Screen(Strict):
    schema_version: Literal[1]
    kind: Literal["screen"]
    id: Slug
    title: str = Field(min_length=1)
    order: int = 0
    dwell_s: float = Field(60, ge=0)  # time on screen in the carousel; 0 keeps it out
    refresh_s: float = Field(30, gt=0)
    reload_s: float = Field(0, ge=0)  # a full page reload this often (0: never)
    grid: Grid = Grid()
    panels: list[Panel] = Field(min_length=1)


@dataclass(frozen=True)
class Layouts:
    screens: list[Screen]  # in carousel order
    thresholds: Thresholds
    version: str  # changes whenever a file changes

    def screen(self, screen_id: str) -> Screen:
        for s in self.screens:
            if s.id == screen_id:
                return s
        raise KeyError(f"unknown screen {screen_id!r}")

    @property
    def carousel(self) -> list[Screen]:
        return [s for s in self.screens if s.dwell_s > 0]


def _fits(area: Area, columns: int, rows: int) -> bool:
    return area.col + area.width - 1 <= columns and area.row + area.height - 1 <= rows


def load_thresholds(path: Path) -> Thresholds:
    return parse_model(load_yaml(path), Thresholds)


def load_screen(path: Path, thresholds: Thresholds) -> Screen:
    """Read one screen, checking what a schema cannot: panels inside the grid, threshold
    names that exist, one map per screen."""
    doc = load_yaml(path)
    screen = parse_model(doc, Screen)
    problems: list[Problem] = []
    g = screen.grid
    for i, p in enumerate(screen.panels):
        if p.panel not in PANEL_KINDS:
            problems.append(doc.problem(("panels", i, "panel"),
                                        f"no panel kind {p.panel!r} (known: {', '.join(sorted(PANEL_KINDS))})"))  # fmt: skip
        if not _fits(p.area, g.columns, g.rows):
            problems.append(
                doc.problem(("panels", i, "area"), f"outside the {g.columns}×{g.rows} grid")
            )
        if "quiet" in p.model_fields_set and p.panel != PanelKind.alerts:
            problems.append(doc.problem(("panels", i, "quiet"), "quiet is an alert panel's"))
        if p.wide_limit is not None and p.panel != PanelKind.alerts:
            problems.append(doc.problem(("panels", i, "wide_limit"), "wide_limit is an alert panel's"))  # fmt: skip
        if "colour" in p.model_fields_set and p.panel != PanelKind.map:
            problems.append(doc.problem(("panels", i, "colour"), "colour is a map's: plan or health"))  # fmt: skip
        if p.wide and not _fits(p.wide, g.wide_columns or g.columns, g.wide_rows or g.rows):
            problems.append(doc.problem(("panels", i, "wide"), "outside the wide grid"))
        for j, name in enumerate(p.thresholds):
            if name not in thresholds.fields:
                problems.append(
                    doc.problem(
                        ("panels", i, "thresholds", j),
                        f"no threshold {name!r} in {THRESHOLDS_FILE}",
                    )
                )
    if sum(p.panel == PanelKind.map for p in screen.panels) > 1:
        problems.append(doc.problem(("panels",), "a screen has one map at most"))
    if path.stem != screen.id:
        problems.append(doc.problem(("id",), f"must match the file name {path.stem!r}"))
    if problems:
        raise ConfigError(problems)
    return screen


def _version(directory: Path) -> str:
    files = sorted(directory.glob("*.yaml"))
    return ";".join(f"{f.name}:{f.stat().st_mtime_ns}:{f.stat().st_size}" for f in files)


def load_layouts(directory: Path = DEFAULT_LAYOUTS_DIR) -> Layouts:
    """Read thresholds.yaml and every screen beside it; raise ConfigError listing every
    problem of every file."""
    directory = Path(directory)
    version = _version(directory)
    thresholds = load_thresholds(directory / THRESHOLDS_FILE)
    screens, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == THRESHOLDS_FILE:
            continue
        try:
            screens.append(load_screen(path, thresholds))
        except ConfigError as exc:
            problems += exc.problems
    if not screens and not problems:
        problems.append(Problem(str(directory), None, "", "no screen layout (*.yaml) found"))
    if problems:
        raise ConfigError(problems)
    screens.sort(key=lambda s: (s.order, s.id))
    return Layouts(screens, thresholds, version)


class LayoutSource:
    """The layouts as they stand: re-read when a file changes, the last good version kept
    (with the refusal) when a change does not validate."""

    def __init__(self, directory: Path | None = None, on_change=None):
        """on_change(directory) is called after a changed version is taken (the audit)."""
        self.directory = Path(directory or DEFAULT_LAYOUTS_DIR)
        self._current = load_layouts(self.directory)  # a bad start is refused outright
        self.error: ConfigError | None = None
        self._lock = threading.Lock()
        self._on_change = on_change

    def get(self) -> Layouts:
        try:
            version = _version(self.directory)
        except OSError:
            return self._current
        if version == self._current.version:
            return self._current
        with self._lock:
            if version != self._current.version:
                try:
                    self._current, self.error = load_layouts(self.directory), None
                    if self._on_change is not None:
                        self._on_change(self.directory)
                except ConfigError as exc:
                    self.error = exc
                    # remember the bad version so we do not re-read it on every refresh
                    self._current = Layouts(
                        self._current.screens, self._current.thresholds, version
                    )
        return self._current


def replace_thresholds(directory: Path, text: str) -> str:
    """Replace thresholds.yaml with text if the layouts validate with it (ValueError naming
    line and field otherwise, the file untouched); the write is atomic. Returns its sha256."""
    import hashlib
    import os
    import shutil
    import tempfile

    directory = Path(directory)
    with tempfile.TemporaryDirectory(prefix="gdwall-layouts-") as tmp:
        for f in directory.glob("*.yaml"):
            shutil.copy(f, Path(tmp) / f.name)
        (Path(tmp) / THRESHOLDS_FILE).write_text(text, encoding="utf-8")
        try:
            load_layouts(Path(tmp))
        except ConfigError as exc:  # name the real file, not the trial copy
            raise ValueError(str(exc).replace(tmp, str(directory))) from None
    staged = directory / f".{THRESHOLDS_FILE}.new"
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, directory / THRESHOLDS_FILE)
    return hashlib.sha256(text.encode()).hexdigest()
