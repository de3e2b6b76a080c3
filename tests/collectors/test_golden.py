"""Golden cases per source type: tests/collectors/<type>/<case>/ holds the input, the source
configuration and the expected canonical samples (as Telegraf keeps its testdata)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from collectors.config import Source
from collectors.exposition import parse_exposition, samples_from
from collectors.mapping import load_mapping
from collectors.prometheus import PrometheusCollector, samples_from_results

HERE = Path(__file__).parent
NOW = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)


def cases(kind: str) -> list[Path]:
    return sorted(p for p in (HERE / kind).iterdir() if p.is_dir())


def expected(case: Path) -> list[dict]:
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))


def as_records(samples) -> list[dict]:
    return [
        {"measurement": s.measurement, "tags": dict(s.tags), "fields": dict(s.fields)}
        for s in samples
    ]


def assert_samples_equal(got: list[dict], want: list[dict]) -> None:
    assert [(g["measurement"], g["tags"]) for g in got] == [
        (w["measurement"], w["tags"]) for w in want
    ]
    for g, w in zip(got, want, strict=True):
        for field, value in w["fields"].items():
            assert g["fields"][field] == pytest.approx(value, rel=1e-9), (g["measurement"], field)


@pytest.mark.parametrize("case", cases("exposition"), ids=lambda p: p.name)
def test_exposition_golden(case):
    config = yaml.safe_load((case / "source.yaml").read_text(encoding="utf-8"))
    gap = config.pop("scrape_interval_s", 60)
    source = Source(**config)
    mappings = [load_mapping(n) for n in source.mapping.split(",")]
    counters: dict = {}
    samples = []
    inputs = sorted(case.glob("input*.txt"))
    for i, path in enumerate(inputs):
        seen: dict = {}
        now = NOW + timedelta(seconds=gap * i)
        samples = samples_from(
            mappings, source.nodes[0], parse_exposition(path.read_text()), now, counters, seen
        )
        counters = seen
    got = sorted(as_records(samples), key=lambda r: r["measurement"])
    want = expected(case)
    for g, w in zip(got, want, strict=True):  # fields the case does not pin may be present
        g["fields"] = {k: v for k, v in g["fields"].items() if k in w["fields"]}
    assert_samples_equal(got, want)


@pytest.mark.parametrize("case", cases("prometheus"), ids=lambda p: p.name)
def test_prometheus_golden(case):
    source = Source(**yaml.safe_load((case / "source.yaml").read_text(encoding="utf-8")))
    collector = PrometheusCollector(source)
    by_field = json.loads((case / "results.json").read_text(encoding="utf-8"))
    queries = collector.queries()
    results = {q.promql: by_field.get(q.field, []) for q in queries}
    got = as_records(samples_from_results(queries, results, source.nodes, NOW))
    assert_samples_equal(got, expected(case))


def test_promql_selects_exactly_the_sources_nodes():
    source = Source(name="p", type="prometheus", url="http://x", mapping="openstack_exporter",
                    nodes=["city-shantou", "city-jieyang"], node_label="gd_node")  # fmt: skip
    queries = PrometheusCollector(source).queries()
    first = queries[0]
    assert (first.field, first.label) == ("capacity.vcpu_total", "gd_node")
    assert (
        first.promql
        == 'sum by (gd_node) (openstack_nova_vcpus_available{gd_node=~"city-jieyang|city-shantou"})'
    )


@pytest.mark.parametrize("case", cases("http_json"), ids=lambda p: p.name)
def test_http_json_golden(case):
    from collectors.http_json import load_json_mapping, samples_from_json

    source = Source(**yaml.safe_load((case / "source.yaml").read_text(encoding="utf-8")))
    document = json.loads((case / "input.json").read_text(encoding="utf-8"))
    got = as_records(
        samples_from_json(load_json_mapping(source.mapping), document, source.nodes[0], NOW)
    )
    want = expected(case)
    assert_samples_equal(got, want)
    for g, w in zip(got, want, strict=True):  # unreadable values ("n/a", null) are left out
        assert set(g["fields"]) == set(w["fields"])


def test_series_labelled_as_operators_label_them_select_each_node_by_its_matchers():
    """No `node` label: each node's series by label matchers, or by a regular expression
    over a label whose group is the node id; one query per field and node, grouped over
    everything the node's matchers select."""
    by_match = Source(name="p", type="prometheus", url="http://x", mapping="node_exporter",
                      nodes=["city-meizhou"], node_match={"city-meizhou": '{job="meizhou", instance=~"10.44.*"}'})  # fmt: skip
    mem = next(q for q in PrometheusCollector(by_match).queries() if q.field == "usage.mem_util")
    assert mem.node == "city-meizhou" and mem.label is None
    assert mem.promql == (
        '1 - sum by () (node_memory_MemAvailable_bytes{job="meizhou", instance=~"10.44.*"})'
        ' / sum by () (node_memory_MemTotal_bytes{job="meizhou", instance=~"10.44.*"})'
    )
    by_regex = Source(name="p", type="prometheus", url="http://x", mapping="node_exporter",
                      nodes=["city-meizhou", "city-heyuan"],
                      node_regex={"label": "job", "pattern": "gd-(?P<node>city-[a-z]+)-hosts"})  # fmt: skip
    queries = [q for q in PrometheusCollector(by_regex).queries() if q.field == "usage.mem_util"]
    assert {q.node for q in queries} == {"city-meizhou", "city-heyuan"}
    heyuan = next(q for q in queries if q.node == "city-heyuan")
    assert 'node_memory_MemTotal_bytes{job=~"gd-city\\\\-heyuan-hosts"}' in heyuan.promql
    # results without any label belong to the query's node
    results = {q.promql: [{"metric": {}, "value": [0, "0.25"]}] for q in queries}
    samples = samples_from_results(queries, results, by_regex.nodes, NOW)
    assert {(s.tags["node"], s.fields["mem_util"]) for s in samples} == {
        ("city-meizhou", 0.25), ("city-heyuan", 0.25)}  # fmt: skip
