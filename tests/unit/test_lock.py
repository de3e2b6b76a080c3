"""The lock files are what gets installed, and they say what pyproject.toml says: every
declared dependency pinned at its declared version, every package with its hashes."""

import re
import tomllib

from tests.conftest import ROOT


def pins(path) -> dict[str, str]:
    text = (ROOT / path).read_text(encoding="utf-8")
    return {
        m[1].lower(): m[2]
        for m in re.finditer(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", text, re.M)
    }


def declared(*extras: str) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = project["dependencies"] + [
        d for e in extras for d in project["optional-dependencies"][e]
    ]
    out = {}
    for line in lines:
        name, version = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", line).groups()
        out[name.lower().replace("_", "-")] = version
    return out


def test_each_lock_pins_every_declared_dependency_at_its_version():
    for lock, extras in (("requirements.lock", ()), ("requirements-test.lock", ("test",))):
        locked = pins(lock)
        wrong = {n: (v, locked.get(n)) for n, v in declared(*extras).items() if locked.get(n) != v}
        assert wrong == {}, (
            f"{lock} disagrees with pyproject.toml (run bash scripts/lock.sh): {wrong}"
        )


def test_every_locked_package_has_hashes_and_installs_check_them():
    for lock in ("requirements.lock", "requirements-test.lock"):
        blocks = re.split(r"\n(?=[a-z0-9])", (ROOT / lock).read_text(encoding="utf-8"))
        packages = [b for b in blocks if "==" in b.split("\n")[0]]
        assert packages and all("--hash=sha256:" in b for b in packages), lock
    assert (
        '--require-hashes -r "$ROOT/requirements-test.lock"'
        in (ROOT / "scripts/setup.sh").read_text()
    )
    assert "--require-hashes -r requirements.lock" in (ROOT / "Dockerfile").read_text()
