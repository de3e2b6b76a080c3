"""The bulletin configuration: weights and masthead from YAML, refused with file, line and field."""

import pytest

from wall.bulletin.evaluation import DEFAULT_BULLETIN_CONFIG, load_bulletin_config
from wall.core.configfile import ConfigError


def test_the_packaged_configuration_loads():
    config = load_bulletin_config()
    assert config.weights.total == 100
    assert "{year}" in config.masthead.number


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("  security: 15 ", "  security: -15 ", "bulletin.yaml:11: weights.security"),
        ("  issuer: 广东省政务服务数据管理局", "  issuer: ''", "bulletin.yaml:13: masthead.issuer"),
        ("  availability: 15 ", "  uptime: 15 ", "bulletin.yaml:10: weights.uptime"),
    ],
)
def test_a_bad_configuration_names_file_line_and_field(tmp_path, old, new, where):
    text = DEFAULT_BULLETIN_CONFIG.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bulletin.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_bulletin_config(path)
    assert where in str(err.value)
