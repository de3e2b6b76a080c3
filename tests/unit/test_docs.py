"""The README's promises: two set-up commands first, and CI runs exactly the test one."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block and text.index("```bash") < 200, "README must open with its commands"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_the_demo_and_test_commands():
    demo, test = readme_commands()
    assert demo == "bash scripts/demo.sh" and (ROOT / "scripts/demo.sh").exists()
    assert test == "bash scripts/test.sh" and (ROOT / "scripts/test.sh").exists()


def test_ci_runs_the_readmes_test_command():
    _, test = readme_commands()
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert f"exec {test}" in ci


def test_demo_serves_on_port_8050():
    assert "--port 8050" in (ROOT / "scripts/demo.sh").read_text(encoding="utf-8")


def test_every_settings_variable_is_documented():
    from wall.core.settings import ENV_PREFIX, Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name == "demo":
            continue  # set by `gdwall demo`, not by the environment
        assert f"`{ENV_PREFIX}{name.upper()}`" in readme, name


PACKAGES = ["wall.core", "wall.store", "wall.state", "wall.read", "wall.bulletin", "wall.web",
            "wall.web.pages", "wall.web.panels", "collectors", "geo"]  # fmt: skip


def test_every_package_says_what_it_owns_and_may_import():
    import importlib

    for name in PACKAGES:
        doc = importlib.import_module(name).__doc__ or ""
        assert "May import" in doc and len(doc.split()) > 12, f"{name}: {doc[:80]!r}"


def test_the_recipes_name_files_that_exist():
    text = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:wall|collectors|tests|layouts)/[\w/.]+\.(?:py|yaml))`", text))
    assert len(named) >= 8
    missing = [n for n in named if not (ROOT / n).exists()]
    assert missing == [], missing
