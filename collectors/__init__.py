"""Collectors: pull metrics from every node's platform and yield canonical samples. One module
per source type (registry.py maps type names to them), the sources file (config.py), the
runner that schedules, retries, isolates and writes, and the simulated province.

May import: wall.core and wall.store only (never the state database, the read layer, the
bulletins or the web)."""
