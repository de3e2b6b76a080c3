"""Each wall request carries an id (the X-Request-Id it came with, or a new one) into every line
it logs and back in its answer, and one access line per page, layout, callback or download."""

from __future__ import annotations

import logging
import re
import time
import uuid

# parts of a path that are secrets: a screen's sign-in token (the database keeps only its hash)
_SECRET_PATHS = re.compile(r"^(/login/token/)[^/?]+")


def loggable_path(path: str) -> str:
    """The path as it may be written to a log: secrets in it replaced by "…"."""
    return _SECRET_PATHS.sub(r"\1…", path)


def install(server) -> None:
    """A request id on every wall request, and one access line per page, layout, callback or
    download (assets are left out)."""
    from flask import g, request

    access = logging.getLogger("gdwall.access")

    @server.before_request
    def tag():
        sent = request.headers.get("X-Request-Id", "")
        g.request_id = sent[:64] if sent.isprintable() and sent else uuid.uuid4().hex[:16]
        g.request_started = time.perf_counter()

    @server.after_request
    def line(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-Id"] = rid
        if not request.path.startswith(("/assets/", "/_dash-component-suites/")):
            user = g.get("user")
            access.info(
                "request",
                extra={
                    "method": request.method,
                    "path": loggable_path(request.path),
                    "status": response.status_code,
                    "ms": round(
                        (time.perf_counter() - g.get("request_started", time.perf_counter()))
                        * 1000,
                        1,
                    ),
                    "user": getattr(user, "name", None),
                    "remote": request.remote_addr,
                },
            )
        return response
