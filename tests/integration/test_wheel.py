"""The wheel holds everything the app reads at run time: built from the project, installed
into a fresh environment (no editable install, run from outside the checkout), it serves a
page and its assets and collects a real node_exporter with a shipped mapping.

The fresh environment borrows the test environment's third-party packages (a path line, not
its editable install of this project), so the test checks the wheel's own files in seconds
rather than downloading every dependency again."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

RUN_TIME_FILES = [  # read at run time, by path, relative to the installed packages
    "wall/web/assets/wall.css", "wall/web/assets/wall.js", "wall/web/assets/plotly-geo.min.js",
    "wall/web/assets/vendor/regenerator-runtime.js",
    "wall/web/assets/fonts/wall-sans-regular.woff2", "wall/layouts/overview.yaml",
    "wall/layouts/thresholds.yaml", "wall/core/plan/guangdong-2019.yaml",
    "wall/bulletin/bulletin.yaml", "wall/bulletin/vendor/echarts.min.js",
    "wall/bulletin/vendor/wall-sans-regular.ttf", "wall/state/migrations/0001_progress_events.sql",
    "wall/state/migrations/postgresql/0001_progress_events.sql",
    "collectors/mappings/node_exporter.yaml", "collectors/inventory.yaml",
    "geo/guangdong-cities.geojson",
]  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh environment with the project installed from its wheel; its python."""
    root = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT),
                            "-w", str(root / "dist")], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((root / "dist").glob("gdwall-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [f for f in RUN_TIME_FILES if f not in names] == []
    env = root / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    # the dependencies, from the test environment's site-packages (its .pth files, among
    # them the editable install of this checkout, are not read from a path line)
    deps = [p for p in site.getsitepackages() if p.endswith("site-packages")]
    (purelib / "borrowed-deps.pth").write_text("\n".join(deps) + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                              "--no-deps", str(wheel)], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_installed_wheel_is_the_code_that_runs(installed, tmp_path):
    where = run(installed, "-c", "import wall, collectors; print(wall.__file__, collectors.__file__)",
                cwd=tmp_path)  # fmt: skip
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout and sysconfig.get_paths()["purelib"] not in where.stdout


def test_the_installed_wheel_serves_a_page_and_its_assets(installed, tmp_path):
    script = """
import sys
from wall.core.settings import from_env
from wall.web.app import create_app
client = create_app(from_env(data_dir=sys.argv[1], demo=True)).server.test_client()
for path in ("/", "/assets/wall.css", "/assets/fonts/wall-sans-regular.woff2"):
    answer = client.get(path)
    print(path, answer.status_code, len(answer.data))
layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/plan"})
print("plan", layout.status_code, "实施计划" in layout.get_data(as_text=True))
"""
    out = run(installed, "-c", script, str(tmp_path / "data"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    for path in ("/", "/assets/wall.css", "/assets/fonts/wall-sans-regular.woff2"):
        status, size = lines[path].split()
        assert status == "200" and int(size) > 1000, (path, lines[path])
    assert lines["plan"] == "200 True"


def test_the_installed_wheel_collects_with_a_shipped_mapping(
    installed, node_exporter_url, tmp_path
):
    out = run(installed, "-m", "wall.cli", "collect", "--once", "--type", "exposition", "--url",
              f"{node_exporter_url}/metrics", "--mapping", "node_exporter", "--node", "city-meizhou",
              "--store", f"sqlite:///{tmp_path}/m.db", "--data-dir", str(tmp_path), cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "cli: ok" in out.stdout and "usage city-meizhou: mem_util=" in out.stdout
