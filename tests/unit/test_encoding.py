"""Dash's answers encoded in one pass (wall.web.encoding): the same text as plotly's encoder
gives, for the wall's own answers and for every kind of value plotly cleans."""

import decimal
import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io.json
import pytest
from dash import dcc, html
from plotly.io._json import to_json_plotly as plotly_to_json

from tests.unit.test_page import app, client_of  # noqa: F401 - the app fixture
from wall.core.chinatime import CHINA
from wall.core.layouts import load_layouts
from wall.web import encoding

KINDS = {
    "components": html.Div(
        [html.H1("广州 </script>"), dcc.Graph(figure=go.Figure(go.Bar(y=[1, 2])))],
        id={"type": "panel", "index": 0},
    ),
    "figure": go.Figure(go.Scattergeo(lat=np.array([23.1, 22.5]), lon=[113.3, 114.1])),
    "numpy": {
        "f": np.linspace(0, 1, 5),
        "i": np.arange(3),
        "b": np.array([True, False]),
        "scalar": np.float64(0.5),
        "text": np.array(["a", "b"]),
    },
    "pandas": {
        "series": pd.Series([1.5, math.nan]),
        "times": pd.Series(pd.date_range("2020-06-30", periods=3, freq="D", tz=CHINA)),
        "index": pd.date_range("2020-06-30", periods=2, freq="h"),
        "stamp": pd.Timestamp("2020-06-30 12:00", tz=CHINA),
        "nat": pd.NaT,
    },
    "plain": {
        1: "非字符键",
        "nan": math.nan,
        "when": datetime(2020, 6, 30, 12, tzinfo=CHINA),
        "day": date(2020, 6, 30),
        "money": decimal.Decimal("1.25"),
        "separators": "a\u2028b\u2029c",
        "tuple": (1, "二"),
    },
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_text_is_plotlys(kind):
    assert encoding.to_json(KINDS[kind]) == plotly_to_json(KINDS[kind])


def test_nothing_can_close_the_page_script():
    text = encoding.to_json({"x": "</script><script>alert(1)</script>\u2028"})
    assert "<" not in text and ">" not in text and "/" not in text and "\u2028" not in text


def test_what_plotly_cannot_encode_fails_as_plotlys_does():
    huge = {"n": 2**70}  # beyond 64 bits
    with pytest.raises(TypeError, match="64-bit"):
        plotly_to_json(huge)
    with pytest.raises(TypeError, match="64-bit"):
        encoding.to_json(huge)


def test_the_wall_answers_are_plotlys_text(app, monkeypatch):  # noqa: F811
    """The layout of the wall and of an operator page, and a refresh of the wall, through the
    app: each text as plotly would have written it."""
    seen = []

    def recording(value, pretty=False, engine=None):
        text = encoding.to_json(value, pretty, engine)
        seen.append((value, text))
        return text

    monkeypatch.setattr(plotly.io.json, "to_json_plotly", recording)
    client = client_of(app)
    pages = ("http://wall/?screen=overview", "http://wall/plan", "http://wall/node/city-heyuan")
    for page in pages:
        assert client.get("/_dash-layout", headers={"Referer": page}).status_code == 200
    from benchmarks.wall_bench import refresh_body

    body = refresh_body(app, load_layouts(), "overview", 1.0)
    csrf = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    assert client.post("/_dash-update-component", json=body, headers=csrf).status_code == 200
    assert len(seen) == 4 and "tile-cities" in seen[-1][1]
    for value, text in seen:
        assert text == plotly_to_json(value)
