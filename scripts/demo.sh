#!/usr/bin/env bash
# The wall in demo mode on http://127.0.0.1:8050 (embedded store, sign-in off).
# Usage: bash scripts/demo.sh [--port P] [--data-dir DIR]
source "$(dirname "$0")/setup.sh"
ensure_venv
cd "$ROOT"
exec "$VENV/bin/gdwall" demo --port 8050 --data-dir "$ROOT/data" "$@"
