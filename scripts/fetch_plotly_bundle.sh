#!/usr/bin/env bash
# Vendor plotly.js's geo bundle (choropleth, scattergeo, scatter: all the wall draws) into
# wall/web/assets/, where Dash serves it with the page. dcc.Graph uses a window.Plotly it finds instead
# of fetching its full 4.6 MB bundle, so the page carries 1.4 MB (464 KB gzipped) of plotly.
# Keep the version equal to the plotly.js bundled with the pinned Python plotly package.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "from plotly.offline import get_plotlyjs_version as v; print(v())")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "plotly.js-geo-dist-min@$version" >/dev/null && tar xzf ./*.tgz)
cp "$tmp/package/plotly-geo.min.js" wall/web/assets/plotly-geo.min.js
echo "wall/web/assets/plotly-geo.min.js: plotly.js-geo-dist-min $version (MIT, Plotly, Inc.)"
