"""The collector contract: a source type turns one configured source into canonical samples.

Producers only produce: a collector returns samples and raises a CollectError saying what
kind of failure it met; the runner times it, retries it, writes what it produced and records
the attempt. Nothing here writes to the store.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

import httpx

from collectors.config import Source
from wall.store import Sample


class ErrorKind(StrEnum):
    timeout = "timeout"  # no answer within the source's timeout
    unreachable = "unreachable"  # connection refused, DNS, TLS
    http_error = "http_error"  # the source answered with an error status
    malformed = "malformed"  # the answer could not be read (bad text, bad JSON)
    mapping = "mapping"  # read fine, but the mapping found nothing it needs
    bad_input = "bad_input"  # a file or row that cannot be imported


class CollectError(Exception):
    """A collection attempt failed; `kind` says how, the message says what."""

    def __init__(self, kind: ErrorKind, message: str):
        self.kind = kind
        super().__init__(f"{kind}: {message}")


def http_get(client: httpx.Client, url: str) -> httpx.Response:
    """GET a source's URL; every failure becomes a CollectError of the right kind."""
    try:
        response = client.get(url)
    except httpx.TimeoutException:
        raise CollectError(
            ErrorKind.timeout, f"{url} did not answer in {client.timeout.read}s"
        ) from None
    except httpx.HTTPError as exc:
        raise CollectError(ErrorKind.unreachable, f"{url}: {exc}") from None
    if response.status_code >= 400:
        raise CollectError(ErrorKind.http_error, f"{url} answered {response.status_code}")
    return response


class Collector(Protocol):
    """One configured source. collect(now) returns samples stamped `now` (or the source's own
    times) for the source's nodes, or raises CollectError; it never writes anything."""

    source: Source

    def collect(self, now: datetime) -> list[Sample]: ...
