"""Stores for the contract suite: the same tests run against InfluxDB and the embedded one."""

import uuid

import pytest

from wall.store import open_store
from wall.store.base import Retention


@pytest.fixture(params=["embedded", "influxdb"])
def store(request, tmp_path):
    retention = Retention()
    if request.param == "embedded":
        s = open_store(f"sqlite:///{tmp_path}/metrics.db", retention=retention)
    else:
        url = request.getfixturevalue("influx_url")
        db = f"t_{uuid.uuid4().hex[:12]}"
        s = open_store(url.replace("http://", "influxdb://") + f"/{db}", retention=retention)
    yield s
    s.close()
