"""Which module implements each source type: one plain map, the type's name as the sources file
writes it → the module and its collector class, imported when a source of that type is built
(the modules never import this one back). `register` adds a type at run time."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from collectors.base import Collector
from collectors.config import SOURCE_TYPES, Source

Factory = Callable[[Source], Collector]
BUILTIN: dict[str, str] = {
    "prometheus": "collectors.prometheus:PrometheusCollector",
    "exposition": "collectors.exposition:ExpositionCollector",
    "http_json": "collectors.http_json:HttpJsonCollector",
    "inventory": "collectors.inventory:InventoryCollector",
    "simulator": "collectors.simulator.collector:SimulatorCollector",
    "blackbox": "collectors.blackbox:BlackboxCollector",
    "snmp": "collectors.snmp:SnmpCollector",
}
REGISTRY: dict[str, Factory] = {}


def register(type_name: str) -> Callable[[Factory], Factory]:
    """Register a source type's factory under the name the sources file uses; a second
    registration of the same name (or of a built-in one) raises ValueError naming it."""

    def wrap(factory: Factory) -> Factory:
        if type_name in REGISTRY or type_name in BUILTIN:
            raise ValueError(f"source type {type_name!r} is already registered")
        REGISTRY[type_name] = factory
        SOURCE_TYPES.add(type_name)  # sources files may name it from now on
        return factory

    return wrap


def factory(type_name: str) -> Factory | None:
    """The factory of a source type, the built-in ones imported on first use."""
    if type_name in REGISTRY:
        return REGISTRY[type_name]
    if type_name in BUILTIN:
        module, _, name = BUILTIN[type_name].partition(":")
        return getattr(importlib.import_module(module), name)
    return None


def types() -> list[str]:
    return sorted({*BUILTIN, *REGISTRY})


def build(source: Source) -> Collector:
    """Return the collector for a configured source."""
    make = factory(source.type)
    if make is None:
        raise ValueError(
            f"source {source.name!r}: no collector for type {source.type!r} "
            f"(available: {', '.join(types())})"
        )
    return make(source)
