#!/usr/bin/env bash
# Vendor plotly.js's geo bundle (choropleth, scattergeo, scatter: all the wall draws) into
# wall/web/assets/, where Dash serves it with the page. dcc.Graph uses a window.Plotly it finds instead
# of fetching its full 4.6 MB bundle, so the page carries 1.4 MB (464 KB gzipped) of plotly.
# Keep the version equal to the plotly.js bundled with the pinned Python plotly package.
#
# One change to the bundle: plotly.js 4's country lookup (createLookup) indexes every country's
# names and aliases (thousands of strings, each Unicode-normalized and put through a dozen
# regular expressions) as soon as any page draws its first geo trace, twice, ~100 ms of a
# wall's opening on these machines, though only `locationmode: "country names"` ever looks a
# name up and the wall's maps use "geojson-id". The index is built on the first name looked
# up instead. The script fails if the bundle no longer has the code it changes.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "from plotly.offline import get_plotlyjs_version as v; print(v())")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "plotly.js-geo-dist-min@$version" >/dev/null && tar xzf ./*.tgz)
.venv/bin/python - "$tmp/package/plotly-geo.min.js" wall/web/assets/plotly-geo.min.js <<'PY'
import re
import sys

source, target = sys.argv[1:]
text = open(source, encoding="utf-8").read()
# in createLookup(countries): `let n=new Map;for(let l of e)for(let u of[l.name,...l.aliases]){
# ...n.set(s,l.iso3)}` becomes a function building n once, and the lookups after it call it
build = re.compile(
    r"let ([\w$]+)=new Map;(for\(let ([\w$]+) of [\w$]+\)for\(let [\w$]+ of\[\3\.name,"
    r"\.\.\.\3\.aliases\]\)\{.*?\1\.set\([\w$]+,\3\.iso3\)\})"
)
found = list(build.finditer(text))
if len(found) != 1:
    sys.exit(f"plotly.js {source}: createLookup's name index was found {len(found)} times, not once")
m = found[0]
names, index = m.group(1), m.group(1) + "$index"
end = text.index("return{lookup:", m.end())
lookups = text[m.end() : end].replace(f"{names}.get(", f"{index}().get(")
if lookups == text[m.end() : end]:
    sys.exit(f"plotly.js {source}: createLookup looks nothing up in its name index")
lazy = f"let {names},{index}=()=>{{if(!{names}){{{names}=new Map;{m.group(2)}}}return {names}}};"
open(target, "w", encoding="utf-8").write(text[: m.start()] + lazy + lookups + text[end:])
PY
echo "wall/web/assets/plotly-geo.min.js: plotly.js-geo-dist-min $version (MIT, Plotly, Inc.), country names indexed on first lookup"
