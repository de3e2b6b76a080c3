"""Component ids, defined once so layouts, callbacks and browser tests agree."""

REFRESH = "refresh-interval"
BODY = "wall-body"
CLOCK = "wall-clock"
ASOF = "wall-asof"
URL = "wall-url"
