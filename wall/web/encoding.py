"""Dash's answers encoded in one pass.

Dash encodes every answer and layout with plotly's `to_json_plotly`, which tries orjson,
fails on the first Dash component, and then rebuilds the whole answer in Python
(`clean_to_json_compatible`, every dict, list and string visited) before orjson encodes the
copy: half the encoding time of a wall refresh went to that copy. Here orjson walks the answer
itself and asks back only for what it cannot encode: a component gives its `to_plotly_json`,
anything else plotly's own cleaning of that one object (pandas series, dates, decimals…). The
text is the same (the tests compare the wall's answers both ways), escaped as plotly escapes
it; whatever orjson still refuses is left to plotly whole.
"""

from __future__ import annotations

import orjson
import plotly.io.json
from _plotly_utils.optional_imports import get_module
from plotly.io._json import _safe, _swap_orjson, clean_to_json_compatible
from plotly.io._json import to_json_plotly as _plotly_to_json

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _modules() -> dict:
    return {name: get_module(module, should_load=False) for name, module in
            (("sage_all", "sage.all"), ("np", "numpy"), ("pd", "pandas"), ("image", "PIL.Image"))}  # fmt: skip


def _default(obj):
    to_plotly_json = getattr(obj, "to_plotly_json", None)
    if to_plotly_json is not None:  # a Dash component or a plotly figure
        return to_plotly_json()
    cleaned = clean_to_json_compatible(obj, numpy_allowed=True, datetime_allowed=True,
                                       modules=_modules())  # fmt: skip
    if cleaned is obj:
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")
    return cleaned


def to_json(value, pretty: bool = False, engine: str | None = None) -> str:
    """plotly.io.json.to_json_plotly's text, without copying the value first."""
    if pretty or engine == "json":
        return _plotly_to_json(value, pretty=pretty, engine=engine)
    try:
        text = orjson.dumps(value, default=_default, option=_OPTIONS).decode()
    except TypeError:  # beyond what orjson encodes even with help: plotly's own way
        return _plotly_to_json(value, pretty=pretty, engine=engine)
    return _safe(text, _swap_orjson)  # plotly's escaping: no "</script>" closes the page's script


def install() -> None:
    """Dash looks up plotly's encoder at every call (dash._utils.to_json): put this one there."""
    plotly.io.json.to_json_plotly = to_json
