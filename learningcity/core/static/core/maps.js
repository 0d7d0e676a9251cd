/* District maps from the city's own GeoJSON. No base tiles unless the page passes a tile URL. */
(function () {
  // Tooltips get text nodes, never HTML strings: names come from people's input.
  function text(value) { var span = document.createElement("span"); span.textContent = value; return span; }
  function drawDistricts(el) {
    var lang = el.dataset.lang || document.documentElement.lang;
    var map = L.map(el, { attributionControl: !!el.dataset.tiles, zoomSnap: 0.25 });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "" }).addTo(map);
    }
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: { color: "#0b6e6e", weight: 2, fillColor: "#0b6e6e", fillOpacity: 0.12 },
          onEachFeature: function (feature, lyr) {
            var p = feature.properties;
            var name = lang === "fa" ? p.name_fa : p.name_en;
            var pop = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en").format(p.population || 0);
            lyr.bindTooltip(text(name + " – " + pop), { sticky: true });
          }
        }).addTo(map);
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
        if (el.dataset.markers) { addMarkers(map, JSON.parse(el.dataset.markers)); }
      });
    return map;
  }
  function addMarkers(map, markers) {
    markers.forEach(function (m) {
      L.circleMarker([m.lat, m.lon], { radius: 7, color: "#c7602a", fillOpacity: 0.9 })
        .addTo(map).bindTooltip(text(m.label));
    });
  }
  document.querySelectorAll("[data-geojson]").forEach(drawDistricts);
})();
