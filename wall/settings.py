"""The only place that reads the environment: every setting of the wall, with its default.

Every interval, timeout and staleness threshold is in seconds and can be set, so that fault
tests run in seconds and production in minutes with the same code.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field

from wall.plan.loader import DEFAULT_PLAN_PATH

ENV_PREFIX = "GDWALL_"


class Settings(BaseModel):
    data_dir: Path = Field(Path("data"), description="Where the embedded store and state live.")
    plan_path: Path = Field(DEFAULT_PLAN_PATH, description="The plan registry YAML.")
    state_db: Path | None = Field(None, description="State database; default data_dir/state.db.")
    store_url: str | None = Field(None, description="Metric store URL; default embedded.")
    demo: bool = Field(False, description="Demo mode: sign-in off, said so on screen.")
    refresh_s: float = Field(30.0, gt=0, description="Wall auto-refresh period.")
    stale_after_s: float = Field(300.0, gt=0, description="Age after which data is stale.")

    @property
    def state_db_path(self) -> Path:
        return self.state_db or self.data_dir / "state.db"


def from_env(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Build settings from GDWALL_* variables, then explicit overrides (command-line flags)."""
    environ = dict(os.environ if environ is None else environ)
    values: dict = {}
    for name in Settings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in environ:
            values[name] = environ[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.model_validate(values)
