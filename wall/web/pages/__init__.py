"""The wall's pages, one module each, each declaring itself in wall.web.registry: its address,
the capability it needs, its body, and the callbacks and downloads it serves. Each says its place in
the navigation (`order`).

May import: wall.read (a page's Reader and view), wall.core, wall.bulletin (formats), and the
web's frame, widgets, panels, actions and registry; never the store or the state database.
"""

from wall.web.pages import (  # noqa: F401 - each module registers its pages
    admin,
    alerts,
    bulletins,
    compare,
    network,
    node,
    plan,
    prd,
    province,
    wall,
)
