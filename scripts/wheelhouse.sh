#!/usr/bin/env bash
# Everything the wall needs to install on a machine with no internet, in one folder: every
# wheel of requirements.lock (hashes checked) and the project's own wheel.
#   bash scripts/wheelhouse.sh [DIR]        (default: wheelhouse/)
# then, on the government network:
#   python3 -m venv /opt/gdwall/venv
#   /opt/gdwall/venv/bin/pip install --no-index --find-links DIR --require-hashes -r DIR/requirements.lock
#   /opt/gdwall/venv/bin/pip install --no-index --find-links DIR --no-deps DIR/gdwall-*.whl
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(realpath -m "${1:-$ROOT/wheelhouse}")"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
mkdir -p "$DIR"
"$PY" -m pip download -q --require-hashes --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform linux_x86_64 --implementation cp -r "$ROOT/requirements.lock" -d "$DIR"
"$PY" -m pip wheel -q --no-deps "$ROOT" -w "$DIR"
cp "$ROOT/requirements.lock" "$DIR/"
echo "$DIR: $(ls "$DIR"/*.whl | wc -l) wheels"
