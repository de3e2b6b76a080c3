"""The Dash app: a thin factory (app.py), access (who may see what, derived from the pages'
declarations), health and request logs, the page registry and its pages, the panel registry
and its panels.

May import: every layer below (wall.bulletin, wall.read, wall.state, wall.store, wall.core).
Pages and panels take what they show from the read layer: they import neither the store nor
the state database.
"""
