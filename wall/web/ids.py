"""Component ids shared by the layout, the callbacks and the browser tests."""

URL = "wall-url"
TICK = "wall-tick"  # one second: drives the clock, the carousel and the refresh pacing
SIZE = "wall-size"  # the window's size, set by assets/wall.js when it changes
CONFIG = "wall-config"  # screens, dwell and refresh periods, layout version
TRIGGER = "refresh-trigger"  # set by the browser only when no refresh is in flight
DONE = "refresh-done"  # set by the server when a refresh has landed
SCREEN = "wall-screen"  # the screen on show
SCREEN_TITLE = "wall-screen-title"
STATUS = "wall-status"
CLOCK = "wall-clock"
ASOF = "wall-asof"
ASOF_PICK = "asof-pick"  # the date the wall is viewed as of (empty: now)
ASOF_LIVE = "asof-live"  # back to now
NAV = "wall-nav"  # written by the map's click handler as it leaves for a node page
RANGE_FROM = "range-from"  # a node page's custom range
RANGE_TO = "range-to"
RANGE_APPLY = "range-apply"
COMPARE_NODES = "compare-nodes"  # the nodes side by side on the compare page
BANNER = "wall-banner"
REPLAY = "wall-replay"  # the replayed day the browser asks for (set by assets/wall.js)
REPLAY_LINK = "wall-replay-link"  # on the page only when its address asks for a replay
REPLAY_PLAY = "replay-play"  # ▶ 回放 / ‖ 暂停
REPLAY_STEP = "replay-step"  # 单步: one step forward


def panel(screen: str, index: int) -> dict:
    return {"type": "panel", "screen": screen, "index": index}


def map_graph(screen: str) -> dict:
    return {"type": "map", "screen": screen}


def screen(screen_id: str) -> dict:
    return {"type": "screen", "id": screen_id}


def page_body(page: str) -> str:
    """An operator page's content: its own id, so only its page's callback redraws it."""
    return f"page-body-{page}"


def replay_day(screen: str) -> dict:
    """The replayed day, large over a screen's map while ▶ 回放 plays."""
    return {"type": "replay-day", "screen": screen}
