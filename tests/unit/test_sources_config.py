"""The sources file is checked on its own and against the plan it refers to."""

from typer.testing import CliRunner

from wall.cli import app
from wall.core.plan import DEFAULT_PLAN_PATH

SOURCES = """schema_version: 1
kind: sources
sources:
  - name: sim-openstack
    type: prometheus
    url: http://127.0.0.1:9090
    mapping: openstack_exporter
    interval_s: 30
    timeout_s: 5
    nodes: [city-shantou, city-meizhou]
  - name: foshan-cmp
    type: http_json
    url: http://127.0.0.1:8000/api
    nodes: [prd-foshan]
"""


def run(tmp_path, text, *extra):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path, CliRunner().invoke(app, ["check-config", *extra, str(path)])


def test_valid_sources_are_checked_against_the_plan(tmp_path):
    _, r = run(tmp_path, SOURCES, str(DEFAULT_PLAN_PATH))
    assert r.exit_code == 0, r.output
    assert "2 sources, checked against plan gd-2019-288" in r.output


def test_a_node_the_plan_does_not_have_is_refused_with_its_line(tmp_path):
    path, r = run(tmp_path, SOURCES.replace("[prd-foshan]", "[prd-fushan]"))
    assert r.exit_code == 1
    assert f"{path}:14: sources[1].nodes[0]: node 'prd-fushan' is not in the plan" in r.output


def test_cross_check_uses_the_plan_given_beside_it(tmp_path):
    plan = tmp_path / "plan.yaml"
    text = DEFAULT_PLAN_PATH.read_text(encoding="utf-8")
    plan.write_text(text.replace("id: prd-foshan", "id: prd-foshan-cloud"), encoding="utf-8")
    text_m = plan.read_text(encoding="utf-8").replace(
        "nodes: [prd-foshan]", "nodes: [prd-foshan-cloud]"
    )
    plan.write_text(text_m, encoding="utf-8")
    path, r = run(tmp_path, SOURCES, str(plan))
    assert r.exit_code == 1
    assert f"{path}:14: sources[1].nodes[0]: node 'prd-foshan' is not in the plan" in r.output


def test_duplicate_names_unknown_types_and_timeouts(tmp_path):
    bad = SOURCES.replace("foshan-cmp", "sim-openstack").replace("timeout_s: 5", "timeout_s: 60")
    path, r = run(tmp_path, bad)
    assert f"{path}:11: sources[1].name: duplicate source 'sim-openstack'" in r.output
    assert f"{path}:9: sources[0].timeout_s: longer than the source's interval_s" in r.output
    path, r = run(tmp_path, SOURCES.replace("type: http_json", "type: netflow"))
    assert (
        r.exit_code == 1
        and f"{path}:12: sources[1].type: Value error, unknown source type 'netflow'" in r.output
    )


def test_the_shipped_sample_sources_file_is_valid():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "collectors" / "sources.sample.yaml"
    r = CliRunner().invoke(app, ["check-config", str(sample)])
    assert r.exit_code == 0, r.output


def test_a_node_regex_becomes_each_nodes_promql_matcher():
    """The pattern with its node group replaced by the node id: the PromQL string, read back
    as Prometheus reads it, matches that node's label value and no other."""
    import json
    import re

    from collectors.config import NodeRegex

    rule = NodeRegex(label="job", pattern=r"gd-(?P<node>city-[a-z]+)\(hosts\)")
    matcher = rule.matcher_for("city-meizhou")
    label, quoted = re.fullmatch(r'\{(\w+)=~(".*")\}', matcher).groups()
    regex = json.loads(quoted)  # a double-quoted PromQL string unescapes like JSON here
    assert label == "job"
    assert re.fullmatch(regex, "gd-city-meizhou(hosts)")
    assert not re.fullmatch(regex, "gd-city-heyuan(hosts)")
