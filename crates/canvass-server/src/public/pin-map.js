// Lets a resident place their location on a map when the address alone did not locate it.
// Runs only when MapLibre GL JS is served; without JavaScript the latitude and longitude fields
// do the same job. The basemap is the department's own public street tiles.
(function () {
  "use strict";
  var box = document.getElementById("pin-map");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  if (!box || !lat || !lon || !window.maplibregl) {
    return;
  }
  var center = (box.getAttribute("data-center") || "0,0").split(",").map(Number);
  box.hidden = false;
  var map = new window.maplibregl.Map({
    container: box,
    center: center,
    zoom: 14,
    attributionControl: false,
    style: {
      version: 8,
      sources: {
        basemap: {
          type: "vector",
          tiles: [window.location.origin + "/public/tiles/basemap/{z}/{x}/{y}.mvt"],
          minzoom: 10,
          maxzoom: 16
        }
      },
      layers: [
        { id: "land", type: "background", paint: { "background-color": "#f4f1ea" } },
        {
          id: "streets", type: "line", source: "basemap", "source-layer": "streets",
          paint: { "line-color": "#8c8c8c", "line-width": 2 }
        },
        {
          id: "boundary", type: "line", source: "basemap", "source-layer": "jurisdiction",
          paint: { "line-color": "#0b4f8a", "line-width": 2, "line-dasharray": [2, 2] }
        }
      ]
    }
  });
  map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }));
  var typed = lat.value && lon.value && !isNaN(Number(lat.value)) && !isNaN(Number(lon.value));
  var marker = new window.maplibregl.Marker({ draggable: true })
    .setLngLat(typed ? [Number(lon.value), Number(lat.value)] : center)
    .addTo(map);
  function place(point) {
    lat.value = point.lat.toFixed(6);
    lon.value = point.lng.toFixed(6);
  }
  marker.on("dragend", function () { place(marker.getLngLat()); });
  map.on("click", function (event) {
    marker.setLngLat(event.lngLat);
    place(event.lngLat);
  });
})();
