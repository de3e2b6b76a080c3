#!/usr/bin/env bash
# Refresh the lock files from pyproject.toml (run after changing a dependency, then commit
# both): every package the project installs, pinned with its hashes, for Linux x86-64 and
# Python 3.11 (the machines it runs on). setup.sh, test.sh and the Dockerfile install only
# from them (pip --require-hashes), so two installs a month apart get the same packages.
#   bash scripts/lock.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
"$VENV/bin/python" -m pip install -q "uv==0.13.9"
common=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 -q)
"$VENV/bin/uv" pip compile pyproject.toml "${common[@]}" -o requirements.lock
"$VENV/bin/uv" pip compile pyproject.toml --extra test "${common[@]}" -o requirements-test.lock
echo "requirements.lock: $(grep -c '^[a-z].*==' requirements.lock) packages;" \
     "requirements-test.lock: $(grep -c '^[a-z].*==' requirements-test.lock)"
