"""Panels: pure functions from the wall's state to Dash components or figures (no I/O), one
module per kind, registered by kind in registry.py (the `panel:` of layouts/*.yaml).

May import: wall.read (the state they draw), wall.core, and the web's ids, urls and registry;
never the store or the state database.
"""

from wall.web.panels import gdmap, ops, plan, tiles  # noqa: F401 - each registers its kinds
from wall.web.panels.registry import PANELS, digest, draw, panel

__all__ = ["PANELS", "digest", "draw", "panel"]
