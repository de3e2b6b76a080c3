"""The panel kinds a screen layout can place (`panel:` in layouts/*.yaml), each drawn by one
function from the screen's panel spec, the wall's state and the layouts. A panel only draws:
the data comes from the read layer's WallState, never from the store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from plotly.io.json import to_json_plotly

from wall.core import layouts as core_layouts
from wall.core.layouts import Layouts, Panel
from wall.read.wallstate import WallState

Draw = Callable[[Panel, WallState, Layouts], object]
PANELS: dict[str, Draw] = {}


def panel(kind: str) -> Callable[[Draw], Draw]:
    """Register the function that draws a panel kind (returns Dash components); a second
    registration of the same kind raises ValueError naming it."""

    def register(draw: Draw) -> Draw:
        if kind in PANELS:
            raise ValueError(f"panel kind {kind!r} is already registered")
        PANELS[kind] = draw
        core_layouts.PANEL_KINDS.add(kind)  # layouts may name it from now on
        return draw

    return register


def draw(spec: Panel, state: WallState, layouts: Layouts):
    """The panel's content for a screen's refresh (the map is patched, not drawn: None)."""
    return PANELS[spec.panel](spec, state, layouts)


# drawings a panel returns again while its data is the same (the milestones table, redrawn
# when the judge's verdicts change, once a minute), by identity, each with the digest of its
# JSON: a refresh leaves such a drawing out for a browser that says it shows that digest
_KEPT: dict[int, tuple[object, str]] = {}


def remember(drawing):
    """Mark a drawing the panel will return again: digested once, here."""
    if len(_KEPT) >= 32:
        _KEPT.clear()
    text = to_json_plotly(drawing)
    _KEPT[id(drawing)] = (drawing, hashlib.blake2b(text.encode(), digest_size=8).hexdigest())
    return drawing


def digest(drawing) -> str | None:
    """The digest of a drawing marked kept (the drawing itself held, so its identity is not
    another's), or None."""
    entry = _KEPT.get(id(drawing))
    return entry[1] if entry is not None and entry[0] is drawing else None
