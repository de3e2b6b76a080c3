"""Logs as JSON lines (one object per line: time, level, logger, message, request id and any
extra fields), so the deployment's log store can search them; each wall request carries an id
(the X-Request-Id it came with, or a new one) into every line it logs and back in its answer."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_id() -> str | None:
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - flask is a dependency
        return None
    return g.get("request_id") if has_request_context() else None


def configure(fmt: str = "json", level: int = logging.INFO) -> None:
    """Send the process's logs to stderr, as JSON lines or as plain text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


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
