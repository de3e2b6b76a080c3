#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: install what is missing, start the real
# servers on 127.0.0.1 with throw-away data, lint, run pytest, stop every server by its PID.
# Extra arguments go to pytest (e.g. bash scripts/test.sh tests/unit -x).
source "$(dirname "$0")/setup.sh"

apt_install postgresql influxdb prometheus prometheus-node-exporter prometheus-blackbox-exporter prometheus-snmp-exporter snmpd redis-server chromium chromium-driver \
  fonts-noto-cjk poppler-utils python3-venv libreoffice-writer-nogui
ensure_venv
cd "$ROOT"

echo "== lint"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/lint-imports"  # the layers' import contracts ([tool.importlinter] in pyproject.toml)

RUN="$(mktemp -d -t gdwall-test-XXXXXX)"
stop_servers() {
  "$VENV/bin/python" -m tests.harness stop "$RUN" || true
  rm -rf "$RUN"
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

echo "== starting test servers in $RUN"
"$VENV/bin/python" -m tests.harness start "$RUN"
set -a
# shellcheck disable=SC1091
source "$RUN/env"
set +a

echo "== pytest"
"$VENV/bin/python" -m pytest "$@"
