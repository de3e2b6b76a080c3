"""The panel kinds a screen layout can place (`panel:` in layouts/*.yaml), each drawn by one
function from the screen's panel spec, the wall's state and the layouts. A panel only draws:
the data comes from the read layer's WallState, never from the store."""

from __future__ import annotations

from collections.abc import Callable

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
