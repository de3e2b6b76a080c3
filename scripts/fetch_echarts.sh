#!/usr/bin/env bash
# Vendor ECharts (npm package echarts, Apache-2.0) for the HTML bulletins: pyecharts would load
# it from a CDN; the bulletin embeds this copy, so it opens on a machine with no internet.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-6.1.0}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "echarts@$version" >/dev/null && tar xzf ./*.tgz)
cp "$tmp/package/dist/echarts.min.js" wall/bulletin/vendor/echarts.min.js
cp "$tmp/package/LICENSE" wall/bulletin/vendor/ECHARTS-LICENSE.txt
echo "wall/bulletin/vendor/echarts.min.js: echarts $version (Apache-2.0)"
