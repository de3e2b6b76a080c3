"""Collector plumbing without a network: registry, retries, self-monitoring, bad input."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors import registry
from collectors.base import CollectError, ErrorKind
from collectors.config import Source
from collectors.exposition import parse_exposition, samples_from
from collectors.mapping import load_mapping
from collectors.registry import build, register
from collectors.runner import collect_with_retries, monitoring_samples
from wall.core.configfile import ConfigError

NOW = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)
SOURCE = Source(
    name="s",
    type="exposition",
    url="http://x/metrics",
    mapping="openstack_exporter",
    nodes=["city-heyuan"],
)


class Scripted:
    """A collector whose answers are given in advance (errors or sample lists)."""

    def __init__(self, *answers):
        self.source = SOURCE
        self.answers = list(answers)
        self.calls = 0

    def collect(self, now):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_registry_refuses_a_duplicate_source_type():
    assert {"exposition", "prometheus"} <= set(registry.types())
    with pytest.raises(ValueError, match="'prometheus' is already registered"):
        register("prometheus")(lambda s: None)


def test_every_type_the_sources_file_allows_has_a_collector():
    from collectors.config import SOURCE_TYPES

    assert set(SOURCE_TYPES) == set(registry.types())
    for name in SOURCE_TYPES:  # each built-in type's module and class exist
        assert callable(registry.factory(name)), name


def test_the_simulator_type_reads_the_model_without_http():
    samples = build(Source(name="sim", type="simulator", nodes=["city-meizhou"])).collect(NOW)
    assert {s.measurement for s in samples} == {"capacity", "usage", "health"}
    with pytest.raises(CollectError, match="not live yet"):
        build(Source(name="sim", type="simulator", nodes=["ind-talent"])).collect(NOW)


def test_unknown_mapping_names_the_shipped_ones():
    with pytest.raises(ConfigError, match="shipped: cmp_v1, node_exporter, openstack_exporter"):
        load_mapping("vmware")


def test_passing_failures_are_retried_with_growing_backoff():
    sleeps = []
    collector = Scripted(
        CollectError(ErrorKind.timeout, "t"), CollectError(ErrorKind.http_error, "503"), []
    )
    attempt = collect_with_retries(
        collector, retries=2, backoff_s=1.0, clock=lambda: NOW, sleep=sleeps.append
    )
    assert attempt.ok and attempt.tries == 3
    assert 0.5 <= sleeps[0] <= 1.5 and 1.0 <= sleeps[1] <= 3.0  # exponential, with jitter


def test_malformed_answers_are_not_retried():
    collector = Scripted(CollectError(ErrorKind.malformed, "garbage"), [])
    attempt = collect_with_retries(collector, retries=3, sleep=lambda s: None)
    assert not attempt.ok and attempt.tries == 1 and attempt.error == "malformed: garbage"


def test_a_crashing_collector_is_contained():
    attempt = collect_with_retries(Scripted(ZeroDivisionError("bug")), sleep=lambda s: None)
    assert not attempt.ok and "collector crashed" in attempt.error


def test_every_attempt_leaves_a_self_monitoring_sample_per_node():
    failed = collect_with_retries(
        Scripted(CollectError(ErrorKind.unreachable, "refused\\nagain")), retries=0
    )
    (sample,) = monitoring_samples(failed, NOW)
    assert sample.measurement == "collector" and sample.tags == {
        "source": "s",
        "node": "city-heyuan",
    }
    assert sample.fields["ok"] == 0.0 and sample.fields["points"] == 0.0
    assert sample.fields["error"].startswith("unreachable: refused")


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_exposition_parser_never_crashes_on_garbage(text):
    mappings = [load_mapping("openstack_exporter"), load_mapping("node_exporter")]
    try:
        parsed = parse_exposition(text)
    except CollectError as exc:
        assert exc.kind == ErrorKind.malformed
        return
    samples_from(mappings, "city-heyuan", parsed, NOW, {}, {})  # validated, or a clear error


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.floats(), st.sampled_from(["NaN", "+Inf", "-Inf", "１２", "1e400"])))
def test_odd_values_in_exposition_never_become_samples_that_poison_the_store(value):
    text = f'openstack_nova_vcpus_available{{hostname="a"}} {value}\nopenstack_nova_up 1\n'
    try:
        parsed = parse_exposition(text)
    except CollectError:
        return
    for sample in samples_from(
        [load_mapping("openstack_exporter")], "city-heyuan", parsed, NOW, {}, {}
    ):
        sample.validate()  # finite numbers only: NaN and infinity never reach a sample


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(document=json_values)
def test_json_mapping_never_crashes_on_odd_documents(document):
    from collectors.http_json import load_json_mapping, samples_from_json

    mapping = load_json_mapping("cmp_v1")
    try:
        samples = samples_from_json(mapping, document, "prd-foshan", NOW)
    except CollectError as exc:
        assert exc.kind in (ErrorKind.malformed, ErrorKind.mapping)
        return
    for sample in samples:
        sample.validate()


def test_auth_header_comes_from_the_environment_not_the_file(monkeypatch):
    source = Source(name="prd", type="http_json", url="http://x/{node}", mapping="cmp_v1",
                    nodes=["prd-foshan"], auth_header_env="FOSHAN_CMP_AUTH")  # fmt: skip
    with pytest.raises(ValueError, match="FOSHAN_CMP_AUTH is not set"):
        build(source)
    monkeypatch.setenv("FOSHAN_CMP_AUTH", "Bearer abc")
    assert build(source)._client.headers["Authorization"] == "Bearer abc"


def test_json_mapping_targets_name_every_tag_of_their_measurement(tmp_path):
    from collectors.http_json import load_json_mapping

    bad = tmp_path / "m.yaml"
    bad.write_text(
        "schema_version: 1\nkind: json_mapping\nname: x\nfollows: y\nfields:\n  security.events: {path: a}\n"
    )
    with pytest.raises(
        ConfigError, match=r"security needs its tags besides node given as \[severity=…\]"
    ):
        load_json_mapping(bad)


def test_the_simulated_provinces_sources_file_is_one_the_collectors_read(tmp_path):
    """`gdwall simulate --sources-out` writes what `gdwall collect --sources` reads."""
    from collectors.config import load_sources
    from collectors.simulator.model import Province
    from collectors.simulator.sources import simulated_sources, write_sources_file
    from wall.core.plan import load_plan

    plan = load_plan()
    sources = simulated_sources(Province(plan), "http://127.0.0.1:9999", 15)
    path = write_sources_file(tmp_path / "sources.yaml", sources)
    loaded = load_sources(path, plan).sources
    assert loaded == sources
    fed = {n for s in loaded for n in s.nodes}
    assert {"city-meizhou", "prov-dongyong", "prd-foshan"} <= fed  # live today in the simulator


def test_label_matchers_select_series_as_prometheus_does():
    from collectors.exposition import label_selector

    selects = label_selector(r'{job="meizhou", instance=~"10\\.44\\..*", env!="test", zone!~"b|c"}')
    assert selects({"job": "meizhou", "instance": "10.44.0.7:9100"})
    assert not selects({"job": "meizhou", "instance": "10.440.0.7:9100"})  # the dot is literal
    assert not selects({"job": "meizhou", "instance": "x10.44.0.7"})  # regexes are anchored
    assert not selects({"job": "meizhou", "instance": "10.44.0.7", "env": "test"})
    assert not selects({"job": "meizhou", "instance": "10.44.0.7", "zone": "b"})
    assert not selects({"job": "meizhouX", "instance": "10.44.0.7"})
    # a label a series lacks is the empty string
    assert label_selector('{env=""}')({"job": "x"}) and not label_selector('{job!=""}')({})
    assert label_selector(r'{path="a\"b\\c"}')({"path": 'a"b\\c'})
