// plotly's own base-map outlines, empty (the wall draws its own boundaries): given before
// the first draw, so plotly does not fetch them after the page has rendered (a round trip
// on every load, the map drawn only when it returns)
(function () {
  var assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
  assets.topojson = assets.topojson || {};
  var empty = {"type":"Topology","objects":{"coastlines":{"type":"GeometryCollection","geometries":[]},"land":{"type":"GeometryCollection","geometries":[]},"ocean":{"type":"GeometryCollection","geometries":[]},"lakes":{"type":"GeometryCollection","geometries":[]},"rivers":{"type":"GeometryCollection","geometries":[]},"countries":{"type":"GeometryCollection","geometries":[]},"subunits":{"type":"GeometryCollection","geometries":[]}},"arcs":[],"transform":{"scale":[1,1],"translate":[0,0]}};
  ['world_110m', 'world_50m', 'asia_110m', 'asia_50m'].forEach(function (name) {
    assets.topojson[name] = assets.topojson[name] || empty;
  });
})();
