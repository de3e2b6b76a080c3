"""A broken registry is refused with one line per problem naming file, line and field."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from wall.cli import app
from wall.core.configfile import ConfigError
from wall.core.plan import DEFAULT_PLAN_PATH, load_plan

GOOD = DEFAULT_PLAN_PATH.read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """Write the plan with one change; return the file and the 1-based line of the change."""
    assert GOOD.count(old) >= 1, old
    text = GOOD.replace(old, new, 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    line = GOOD[: GOOD.index(old)].count("\n") + 1
    return path, line


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_plan(path)
    return [str(p) for p in info.value.problems]


def test_wrong_type(tmp_path):
    path, line = broken(tmp_path, "value: 90000", "value: 九万")
    assert problems(path) == [
        f"{path}:{line}: targets[0].value: Input should be a valid number, unable to parse "
        "string as a number (got '九万')"
    ]


def test_unknown_city(tmp_path):
    path, line = broken(
        tmp_path,
        "{id: city-yunfu, tier: city, name: 云浮政务云节点, city: 云浮",
        "{id: city-yunfu, tier: city, name: 云浮政务云节点, city: 香港",
    )
    (p,) = problems(path)
    assert p.startswith(f"{path}:{line}: nodes[")
    assert ".city: unknown city '香港': not one of Guangdong's 21" in p


def test_adcode_that_does_not_match_the_city(tmp_path):
    path, line = broken(tmp_path, "city: 汕头, adcode: 440500", "city: 汕头, adcode: 440200")
    found = problems(path)
    assert any(
        p.startswith(f"{path}:{line}: nodes[") and ".adcode: 440200 is not 汕头's code 440500" in p
        for p in found
    ), found


def test_duplicate_node_id(tmp_path):
    path, line = broken(tmp_path, "{id: city-yunfu,", "{id: city-jieyang,")
    found = problems(path)
    assert any(
        p.startswith(f"{path}:{line}: nodes[") and "duplicate id 'city-jieyang'" in p for p in found
    ), found


def test_date_that_does_not_parse(tmp_path):
    path, line = broken(tmp_path, "deadline: 2019-09-30\n", "deadline: 2019-09-31\n")
    (p,) = problems(path)
    assert p.startswith(f"{path}:{line}: milestones[1].deadline: Input should be a valid date")


def test_missing_field(tmp_path):
    path, _ = broken(
        tmp_path, '  - id: m7-xinchuang-pilot\n    seq: "7"\n', "  - id: m7-xinchuang-pilot\n"
    )
    line = path.read_text(encoding="utf-8").splitlines().index("  - id: m7-xinchuang-pilot") + 1
    assert problems(path) == [f"{path}:{line}: milestones[17].seq: required field is missing"]


def test_unknown_field_is_refused_not_ignored(tmp_path):
    path, line = broken(tmp_path, "    pilot: true\n", "    pilot: true\n    pilott: true\n")
    (p,) = problems(path)
    assert p.startswith(f"{path}:{line + 1}: nodes[") and "pilott: Extra inputs" in p


def test_unknown_node_in_a_milestone(tmp_path):
    path, line = broken(tmp_path, "nodes: [prd-foshan]", "nodes: [prd-fushan]")
    (p,) = problems(path)
    assert p == f"{path}:{line}: milestones[4].criterion.nodes[0]: unknown node 'prd-fushan'"


def test_duplicate_yaml_key(tmp_path):
    path, line = broken(
        tmp_path, "issuer: 广东省人民政府办公厅\n", "issuer: 广东省人民政府办公厅\nissuer: 别的\n"
    )
    assert problems(path) == [f"{path}:{line + 1}: issuer: duplicate key"]


def test_yaml_syntax_error_names_the_line(tmp_path):
    path, _ = broken(tmp_path, "period:\n", "period: [\n")
    (p,) = problems(path)
    assert "not valid YAML" in p
    line = int(p.split(":")[1])
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].strip()  # a real line


def test_several_problems_are_all_reported(tmp_path):
    text = GOOD.replace("value: 90000", "value: 九万").replace("city: 云浮", "city: 香港", 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    # type errors stop before cross-checks, so the unknown city waits for the next run
    assert len(problems(path)) == 1
    path.write_text(
        GOOD.replace("city: 云浮", "city: 香港", 1).replace(
            "provider: hw-yunfu", "provider: hw-nowhere"
        )
    )
    assert len(problems(path)) == 2


def test_check_config_exits_non_zero_with_one_line_per_problem(tmp_path):
    path, line = broken(tmp_path, "nodes: [prd-foshan]", "nodes: [prd-fushan]")
    result = CliRunner().invoke(app, ["check-config", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:{line}: milestones[4].criterion.nodes[0]: unknown node 'prd-fushan'"
        in result.output
    )
    assert "1 problem(s) found" in result.output


def test_check_config_accepts_the_packaged_plan():
    result = CliRunner().invoke(app, ["check-config", str(DEFAULT_PLAN_PATH)])
    assert result.exit_code == 0, result.output
    assert "plan gd-2019-288: 27 nodes" in result.output


def test_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["check-config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml: cannot read file" in result.output


def test_unknown_kind(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("schema_version: 1\nkind: dashboard\n")
    result = CliRunner().invoke(app, ["check-config", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: kind: unknown kind 'dashboard'" in result.output
