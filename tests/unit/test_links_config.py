"""The links file is checked on its own and against the plan: every problem with its file,
line and field; the shipped file names every plan node's link and 梅州's county sites."""

from typer.testing import CliRunner

from wall.cli import app
from wall.core.links import LINKS_FILE, load_links
from wall.core.plan import load_plan

LINKS = """schema_version: 1
kind: links
links:
  - id: link-meizhou
    name: 省中心—梅州
    source: prov-mingmei
    node: city-meizhou
    carrier: 中国电信
    mbps: 1000
    probes: [{target: '10.44.0.1:443'}]
    milestones: [m5a-meizhou-extranet]
  - id: link-meizhou-dabu
    name: 梅州—大埔县
    source: prov-mingmei
    node: city-meizhou
    site: 大埔县
    carrier: 中国电信
    mbps: 200
    probes: [{target: '10.44.15.1:443', module: tcp_connect}]
"""


def run(tmp_path, text):
    path = tmp_path / "links.yaml"
    path.write_text(text, encoding="utf-8")
    return path, CliRunner().invoke(app, ["check-config", str(path)])


def test_valid_links_are_checked_against_the_plan(tmp_path):
    _, r = run(tmp_path, LINKS)
    assert r.exit_code == 0, r.output
    assert "2 links, checked against plan gd-2019-288" in r.output


def test_every_problem_names_its_line_and_field(tmp_path):
    bad = (LINKS.replace("node: city-meizhou\n    carrier", "node: city-meizou\n    carrier", 1)
           .replace("source: prov-mingmei\n    node: city-meizhou\n    site", "source: city-shantou\n    node: city-meizhou\n    site")
           .replace("[m5a-meizhou-extranet]", "[m5z-nothing]")
           .replace("id: link-meizhou-dabu", "id: link-meizhou"))  # fmt: skip
    path, r = run(tmp_path, bad)
    assert r.exit_code == 1
    assert f"{path}:7: links[0].node: node 'city-meizou' is not in the plan" in r.output
    assert (
        f"{path}:11: links[0].milestones[0]: milestone 'm5z-nothing' is not in the plan" in r.output
    )
    assert f"{path}:12: links[1].id: duplicate link 'link-meizhou'" in r.output
    assert f"{path}:14: links[1].source: 'city-shantou' is not a provincial centre" in r.output


def test_a_link_without_probes_or_bandwidth_is_refused(tmp_path):
    path, r = run(tmp_path, LINKS.replace("mbps: 200", "mbps: 0").replace(
        "probes: [{target: '10.44.15.1:443', module: tcp_connect}]", "probes: []"))  # fmt: skip
    assert r.exit_code == 1
    assert f"{path}:18: links[1].mbps:" in r.output
    assert f"{path}:19: links[1].probes:" in r.output


def test_the_shipped_links_reach_every_node_and_meizhous_counties():
    plan = load_plan()
    links = load_links(LINKS_FILE, plan)
    served = {link.node for link in links.links}
    assert served == {n.id for n in plan.nodes if n.tier.value in ("city", "prd")}
    counties = {"梅江区", "梅县区", "兴宁市", "平远县", "蕉岭县", "大埔县", "丰顺县", "五华县"}
    five_a = {link.site for link in links.for_milestone("m5a-meizhou-extranet") if link.site}
    assert five_a == counties  # 市县两级: every county, and the city's own link
    assert any(link.site is None for link in links.for_milestone("m5a-meizhou-extranet"))
    five_b = links.for_milestone("m5b-meizhou-demo")
    assert {link.id for link in links.for_milestone("m5a-meizhou-extranet")} < {
        link.id for link in five_b
    }


def test_the_wall_reads_the_links_file_its_settings_name(tmp_path, monkeypatch, capsys):
    """GDWALL_LINKS_FILE: the process's links (map, pages, judge, bulletins) are that file's;
    a broken one is refused at start with its line, exit 2."""
    import pytest
    import typer

    from wall import cli
    from wall.core import links

    path = tmp_path / "links.yaml"
    path.write_text(LINKS, encoding="utf-8")
    monkeypatch.setenv("GDWALL_LINKS_FILE", str(path))
    try:
        cli._settings()
        assert [k.id for k in links.in_use().links] == ["link-meizhou", "link-meizhou-dabu"]
        path.write_text(LINKS.replace("mbps: 200", "mbps: lots"), encoding="utf-8")
        with pytest.raises(typer.Exit) as stopped:
            cli._settings()
        assert stopped.value.exit_code == 2
        assert f"{path}:18: links[1].mbps" in capsys.readouterr().err
    finally:
        links.use(None)
    assert len(links.in_use().links) == 37  # the shipped file again
