"""The collector contract: a source type turns one configured source into canonical samples.

Producers only produce: a collector returns samples and raises a CollectError saying what
kind of failure it met; the runner times it, retries it, writes what it produced and records
the attempt. Nothing here writes to the store.
"""

from __future__ import annotations

import socket
import ssl
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import httpx

from collectors.config import Source
from wall.core.settings import secret_from_env
from wall.store import Sample


class ErrorKind(StrEnum):
    timeout = "timeout"  # no answer within the source's timeout
    refused = "refused"  # nothing listens at the address (connection refused)
    dns = "dns"  # the host name does not resolve
    unreachable = "unreachable"  # no route, reset, or another network failure
    tls = "tls"  # the certificate is not trusted (or TLS failed otherwise)
    http_error = "http_error"  # the source answered with an error status
    malformed = "malformed"  # the answer could not be read (bad text, bad JSON)
    mapping = "mapping"  # read fine, but the mapping found nothing it needs
    bad_input = "bad_input"  # a file or row that cannot be imported


class CollectError(Exception):
    """A collection attempt failed; `kind` says how, the message says what."""

    def __init__(self, kind: ErrorKind, message: str):
        self.kind = kind
        super().__init__(f"{kind}: {message}")


def is_tls_failure(exc: BaseException) -> bool:
    """Whether a connection failed in TLS (an untrusted certificate, a handshake), whatever
    library wrapped the ssl error."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def failure_kind(exc: BaseException) -> ErrorKind:
    """What a failed request met, whatever library raised it (httpx, requests, urllib3 or
    the socket underneath): the causes are walked down to the OS's own error."""
    if is_tls_failure(exc):
        return ErrorKind.tls
    seen: BaseException | None = exc
    for _ in range(12):
        if seen is None:
            break
        name = type(seen).__name__
        if isinstance(seen, ConnectionRefusedError):
            return ErrorKind.refused
        if isinstance(seen, socket.gaierror) or name == "NameResolutionError":
            return ErrorKind.dns
        if isinstance(seen, TimeoutError | socket.timeout) or "Timeout" in name:
            return ErrorKind.timeout
        if "Connection refused" in str(seen) or "Errno 111" in str(seen):
            return ErrorKind.refused
        seen = seen.__cause__ or seen.__context__ or _wrapped(seen)
    return ErrorKind.unreachable


def _wrapped(exc: BaseException) -> BaseException | None:
    """The error a library keeps as an attribute or argument instead of a cause (urllib3's
    MaxRetryError.reason, requests' ConnectionError(MaxRetryError))."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        return reason
    return next((a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)), None)


def tls_verify(source: Source) -> ssl.SSLContext:
    """How a source's certificate is checked: always, against its CA bundle if it names one."""
    return ssl.create_default_context(cafile=str(source.ca_file) if source.ca_file else None)


def auth_headers(source: Source) -> dict[str, str]:
    """The Authorization header a source names by environment variable (never in the file)."""
    if not source.auth_header_env:
        return {}
    return {"Authorization": secret_from_env(source.auth_header_env)}


def http_client(source: Source, **headers: str) -> httpx.Client:
    """An HTTP client for a source: its timeout, certificate check and Authorization header."""
    return httpx.Client(
        timeout=source.timeout_s,
        verify=tls_verify(source),
        headers={**headers, **auth_headers(source)},
    )


def http_get(client: httpx.Client, url: str) -> httpx.Response:
    """GET a source's URL; every failure becomes a CollectError of the right kind."""
    try:
        response = client.get(url)
    except httpx.TimeoutException:
        raise CollectError(
            ErrorKind.timeout, f"{url} did not answer in {client.timeout.read}s"
        ) from None
    except httpx.HTTPError as exc:
        raise CollectError(failure_kind(exc), f"{url}: {exc}") from None
    if response.status_code >= 400:
        raise CollectError(ErrorKind.http_error, f"{url} answered {response.status_code}")
    return response


class Collector(Protocol):
    """One configured source. collect(now) returns samples stamped `now` (or the source's own
    times) for the source's nodes, or raises CollectError; it never writes anything."""

    source: Source

    def collect(self, now: datetime) -> list[Sample]: ...
