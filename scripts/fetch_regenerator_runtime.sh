#!/usr/bin/env bash
# Vendor regenerator-runtime (MIT, Facebook) into wall/web/assets/vendor/: the one part of the
# @babel/polyfill Dash puts on every page that its components need in a browser of today (dcc
# is compiled with generators turned into regeneratorRuntime calls). The rest of that polyfill
# (core-js 2) replaced native functions such as String.prototype.trim with slower copies, and
# loading it was ~30-50 ms of every page's opening. The app's index lists this file instead
# (wall/web/app.py). Keep the version the @babel/polyfill of the pinned dash depends on (^0.13).
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-0.13.11}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "regenerator-runtime@$version" >/dev/null && tar xzf ./*.tgz)
mkdir -p wall/web/assets/vendor
cp "$tmp/package/runtime.js" wall/web/assets/vendor/regenerator-runtime.js
cp "$tmp/package/LICENSE" wall/web/assets/vendor/REGENERATOR-RUNTIME-LICENSE.txt
echo "wall/web/assets/vendor/regenerator-runtime.js: regenerator-runtime $version (MIT)"
