"""What the wall shows, written down: with the clock fixed and the simulated province's data,
every page's layout, each screen's first refresh and the 2020-Q2 bulletin's JSON record, one
JSON file each, so two versions of the code can be compared file by file:

    .venv/bin/python scripts/snapshot.py /tmp/before      # on one version
    .venv/bin/python scripts/snapshot.py /tmp/after       # on the other
    diff -r /tmp/before /tmp/after

The data is made the same way each time (seeded simulator, backfilled from 2020-01-01 with one
day of minutes before the fixed instant), so only the code can make a difference.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import time_machine

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 in China
PAGES = [
    "/",
    "/node/city-meizhou",
    "/node/city-meizhou?range=7d",
    "/node/city-meizhou?asof=2020-06-30",
    "/node/prd-foshan",
    "/province",
    "/province?asof=2020-06-30",
    "/prd",
    "/compare",
    "/compare?field=cpu_util&nodes=city-meizhou,city-heyuan",
    "/alerts",
    "/bulletins",
    "/admin",
    "/node/no-such-node",
    "/?asof=2020-06-30",
]


def _name(path: str) -> str:
    name = path.strip("/").replace("/", "_").replace("?", "__").replace("&", "_").replace("=", "-")
    return (name or "wall").replace(",", "+")


def _dump(out: Path, name: str, value) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    (out / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _prepare(data: Path) -> None:
    from collectors.simulator.backfill import backfill
    from collectors.simulator.model import Province
    from wall.core.plan import load_plan
    from wall.state.db import connect
    from wall.state.progress import add_event
    from wall.store import open_store

    plan = load_plan()
    province = Province(plan, seed=2019)
    store = open_store(None, data_dir=data)
    backfill(store, province, datetime(2020, 1, 1, tzinfo=UTC), minute_days=1, progress=None)
    store.close()
    with closing(connect(data / "state.db")) as conn:
        for event in province.events:
            add_event(conn, plan, event)


def _bulletin(data: Path) -> dict:
    from wall import bulletin
    from wall.bulletin.evaluation import load_bulletin_config, parse_period
    from wall.core.plan import load_plan
    from wall.core.progress import Progress
    from wall.state.db import connect
    from wall.state.progress import list_events
    from wall.store import open_store

    plan = load_plan()
    with closing(connect(data / "state.db")) as conn:
        progress = Progress(plan, list_events(conn))
    store = open_store(None, data_dir=data)
    b = bulletin.build(store, plan, progress, parse_period("2020-Q2", NOW.date()),
                       load_bulletin_config(None))  # fmt: skip
    return {**b.figures(), "inputs_sha256": b.inputs_sha256}


def snapshot(out: Path) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    digests = {}
    with time_machine.travel(NOW, tick=False), tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        _prepare(data)
        from wall.core.settings import Settings
        from wall.web.app import create_app

        app = create_app(Settings(data_dir=data, demo=True))
        client = app.server.test_client()
        for path in PAGES:
            answer = client.get("/_dash-layout", headers={"Referer": f"http://localhost{path}"})
            digests[_name(path)] = _dump(out, _name(path), answer.get_json())
        digests["bulletin-2020-Q2"] = _dump(out, "bulletin-2020-Q2", _bulletin(data))
    (out / "INDEX").write_text("".join(f"{d}  {n}\n" for n, d in sorted(digests.items())))
    return digests


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "snapshot")
    for name, digest in sorted(snapshot(target).items()):
        print(f"{digest}  {name}")
