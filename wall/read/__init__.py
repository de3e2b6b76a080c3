"""What the wall, the pages and the bulletins show, read from the store and the state database:
the cached queries, the view models of the screens and pages, the milestones decided as of an
instant.

May import: wall.core, wall.store, wall.state. Never the web or the bulletins.
"""
