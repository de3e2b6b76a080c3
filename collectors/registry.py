"""Which module implements each source type: one plain map, filled by @register."""

from __future__ import annotations

from collections.abc import Callable

from collectors.base import Collector
from collectors.config import Source

Factory = Callable[[Source], Collector]
REGISTRY: dict[str, Factory] = {}


def register(type_name: str) -> Callable[[Factory], Factory]:
    """Register a source type's factory under the name the sources file uses; a second
    registration of the same name raises ValueError naming it."""

    def wrap(factory: Factory) -> Factory:
        if type_name in REGISTRY:
            raise ValueError(f"source type {type_name!r} is already registered")
        REGISTRY[type_name] = factory
        return factory

    return wrap


def build(source: Source) -> Collector:
    """Return the collector for a configured source (importing the built-in types first)."""
    import collectors.exposition  # registers its source type
    import collectors.http_json
    import collectors.inventory
    import collectors.prometheus
    import collectors.simulator.collector  # noqa: F401 - registers its source type

    try:
        factory = REGISTRY[source.type]
    except KeyError:
        raise ValueError(
            f"source {source.name!r}: no collector for type {source.type!r} "
            f"(available: {', '.join(sorted(REGISTRY))})"
        ) from None
    return factory(source)
