"""`python -m tests.harness start DIR` / `stop DIR`: the shared servers of a test run.

`start` writes DIR/env (KEY=VALUE lines for the tests) and one pidfile per server, then
returns while the servers keep running; `stop` stops every server by its pidfile.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.harness.servers import Fleet, MissingService, stop_pidfiles


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.harness start|stop RUN_DIR", file=sys.stderr)
        return 2
    root = Path(argv[1])
    if argv[0] == "stop":
        pids = stop_pidfiles(root)
        print(f"stopped {len(pids)} server(s): {' '.join(map(str, pids))}")
        return 0
    root.mkdir(parents=True, exist_ok=True)
    try:
        env = Fleet(root).start_all()
    except (MissingService, RuntimeError) as exc:
        print(f"cannot start the test servers: {exc}", file=sys.stderr)
        return 1
    (root / "env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    for key, value in env.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
