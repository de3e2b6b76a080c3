"""A machine with no internet installs the wall from one folder: scripts/wheelhouse.sh
gathers every wheel of requirements.lock and the project's own; pip installs them with no
index at all (and no configuration that could name one), and the installed wall runs."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_the_wheelhouse_installs_with_no_index(tmp_path):
    house = tmp_path / "wheelhouse"
    built = subprocess.run(["bash", str(ROOT / "scripts/wheelhouse.sh"), str(house)],
                           capture_output=True, text=True, timeout=1200)  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    offline = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    offline |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}
    pip = [
        str(venv / "bin/python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--find-links",
        str(house),
    ]
    locked = subprocess.run([*pip, "--require-hashes", "-r", str(house / "requirements.lock")],
                            capture_output=True, text=True, env=offline, timeout=1200)  # fmt: skip
    assert locked.returncode == 0, locked.stderr[-3000:]
    wheel = next(house.glob("gdwall-*.whl"))
    own = subprocess.run([*pip, "--no-deps", str(wheel)], capture_output=True, text=True,
                         env=offline, timeout=600)  # fmt: skip
    assert own.returncode == 0, own.stderr[-3000:]
    check = subprocess.run([str(venv / "bin/python"), "-m", "pip", "check"], capture_output=True,
                           text=True, env=offline)  # fmt: skip
    assert check.returncode == 0, check.stdout
    plan = subprocess.run([str(venv / "bin/gdwall"), "plan"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)  # fmt: skip
    assert plan.returncode == 0 and "粤办函〔2019〕288号" in plan.stdout, plan.stderr
    served = subprocess.run(
        [str(venv / "bin/python"), "-c",
         "from wall.core.settings import from_env; from wall.web.app import create_app; "
         f"c = create_app(from_env(data_dir={str(tmp_path / 'data')!r}, demo=True)).server.test_client(); "
         "print(c.get('/').status_code, c.get('/assets/wall.css').status_code)"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert served.stdout.split() == ["200", "200"], served.stderr[-2000:]
