/* Map of QPV perimeters with MapLibre GL JS (served locally, no CDN).
 *
 * quartiersCarte(container, config) where config (JSON in a <script type="application/json">) is:
 *   couches: [{id, libelle, url, couleur, visible}]   GeoJSON perimeter layers (one per vintage)
 *   contours: {communes: url, departements: url}       base layer of outlines
 *   fond: {url, attribution, zoomMax}                   optional raster tile template
 *   workerUrl: static URL of MapLibre's CSP worker     (no blob: worker, see quartiers.web.csp)
 *   ficheUrl: "/quartiers/CODE/"                        click -> sheet (CODE replaced)
 *   centre: [lon, lat], zoom
 *   surClic: "fiche" | "point"                          "point" fills #lon/#lat inputs
 * The container gets data-etat="pret" once every source is loaded (tests wait for it).
 * Commune names are written over the map as HTML labels (no glyph server needed) from the
 * label point that each commune outline carries (properties.etiquette).
 */
(function () {
  "use strict";

  // French texts of MapLibre's controls (its `locale` option)
  var LOCALE = {
    "AttributionControl.ToggleAttribution": "Afficher ou masquer les sources",
    "AttributionControl.MapFeedback": "Signaler une erreur de la carte",
    "FullscreenControl.Enter": "Plein écran",
    "FullscreenControl.Exit": "Quitter le plein écran",
    "GeolocateControl.FindMyLocation": "Me localiser",
    "GeolocateControl.LocationNotAvailable": "Position non disponible",
    "LogoControl.Title": "Logo MapLibre",
    "Map.Title": "Carte",
    "Marker.Title": "Repère sur la carte",
    "NavigationControl.ResetBearing": "Réorienter vers le nord",
    "NavigationControl.ZoomIn": "Zoomer",
    "NavigationControl.ZoomOut": "Dézoomer",
    "Popup.Close": "Fermer la bulle",
    "ScaleControl.Feet": "pi",
    "ScaleControl.Meters": "m",
    "ScaleControl.Kilometers": "km",
    "ScaleControl.Miles": "mi",
    "ScaleControl.NauticalMiles": "nmi",
    "TerrainControl.Enable": "Afficher le relief",
    "TerrainControl.Disable": "Masquer le relief",
    "CooperativeGesturesHandler.WindowsHelpText": "Ctrl + molette pour zoomer sur la carte",
    "CooperativeGesturesHandler.MacHelpText": "⌘ + molette pour zoomer sur la carte",
    "CooperativeGesturesHandler.MobileHelpText": "Deux doigts pour déplacer la carte"
  };
  var ZOOM_NOMS = 10.5;      // commune names from this zoom on
  var NOMS_MAX = 250;        // at most this many names at once

  function style(config) {
    var s = {
      version: 8,
      sources: {},
      layers: [{ id: "fond-uni", type: "background", paint: { "background-color": "#f6f6f6" } }],
    };
    if (config.fond && config.fond.url) {
      s.sources.fond = {
        type: "raster", tiles: [config.fond.url], tileSize: 256,
        maxzoom: config.fond.zoomMax || 19, attribution: config.fond.attribution || "",
      };
      s.layers.push({ id: "fond", type: "raster", source: "fond" });
    }
    return s;
  }

  function bornes(geojson) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    function visit(c) {
      if (typeof c[0] === "number") {
        b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
        b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
      } else { c.forEach(visit); }
    }
    (geojson.features || []).forEach(function (f) { if (f.geometry) visit(f.geometry.coordinates); });
    return isFinite(b[0]) ? [[b[0], b[1]], [b[2], b[3]]] : null;
  }

  window.quartiersCarte = function (container, config) {
    var el = typeof container === "string" ? document.getElementById(container) : container;
    if (config.workerUrl && maplibregl.setWorkerUrl) { maplibregl.setWorkerUrl(config.workerUrl); }
    var map = new maplibregl.Map({
      container: el,
      style: style(config),
      center: config.centre || [5.5, 43.8],
      zoom: config.zoom || 7,
      locale: LOCALE,
      attributionControl: { compact: false, customAttribution: "INSEE, ANCT, IGN (Admin Express)" },
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    el.quartiersMap = map;
    window.quartiersMap = map;
    var pending = 0;
    var fitted = false;

    function done() {
      pending -= 1;
      if (pending <= 0) { el.setAttribute("data-etat", "pret"); }
    }

    function charger(url, cb) {
      pending += 1;
      fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { cb(data); })
        .catch(function (e) { el.setAttribute("data-erreur", String(e)); })
        .finally(done);
    }

    var deps = [];          // [{code, bbox}] from the département outlines
    var communesChargees = {};
    var noms = [];          // [{nom, p: [lon, lat]}] label points of the loaded communes
    var calqueNoms = document.createElement("div");
    calqueNoms.className = "etiquettes-communes";
    calqueNoms.setAttribute("aria-hidden", "true");
    map.getCanvasContainer().appendChild(calqueNoms);

    // names of the communes in view, redrawn as the map moves (positions only) or settles
    function placerNoms() {
      calqueNoms.textContent = "";
      if (map.getZoom() < ZOOM_NOMS) return;
      var b = map.getBounds();
      var shown = 0;
      for (var i = 0; i < noms.length && shown < NOMS_MAX; i++) {
        var n = noms[i];
        if (!b.contains(n.p)) continue;
        var e = document.createElement("span");
        e.className = "etiquette-commune";
        e.textContent = n.nom;
        e.lngLat = n.p;
        calqueNoms.appendChild(e);
        shown += 1;
      }
      deplacerNoms();
    }
    function deplacerNoms() {
      for (var i = 0; i < calqueNoms.children.length; i++) {
        var e = calqueNoms.children[i];
        var xy = map.project(e.lngLat);
        e.style.transform = "translate(" + Math.round(xy.x) + "px," + Math.round(xy.y) + "px) translate(-50%,-50%)";
      }
    }
    map.on("move", deplacerNoms);
    map.on("moveend", placerNoms);

    function bboxFeature(f) {
      return bornes({ features: [f] });
    }

    function chargerCommunes() {
      if (!ct.communes || map.getZoom() < 8.5) return;
      var b = map.getBounds();
      deps.forEach(function (d) {
        if (communesChargees[d.code] || !d.bbox) return;
        var bb = d.bbox;
        if (bb[1][0] < b.getWest() || bb[0][0] > b.getEast() ||
            bb[1][1] < b.getSouth() || bb[0][1] > b.getNorth()) return;
        communesChargees[d.code] = true;
        charger(ct.communes.replace("DEP", encodeURIComponent(d.code)), function (data) {
          var id = "communes-" + d.code;
          data.features.forEach(function (f) {
            if (f.properties.etiquette) { noms.push({ nom: f.properties.nom, p: f.properties.etiquette }); }
          });
          placerNoms();
          map.addSource(id, { type: "geojson", data: data });
          map.addLayer({ id: id, type: "line", source: id, minzoom: 8,
            paint: { "line-color": "#929292", "line-width": 0.6 } }, firstQuartierLayer());
        });
      });
    }

    function ajouterCouche(c) {
      if (c.chargee) return;
      c.chargee = true;
      charger(c.url, function (data) {
        map.addSource("q-" + c.id, { type: "geojson", data: data });
        var box = document.querySelector("[data-couche='" + c.id + "']");
        var vis = (box ? box.checked : c.visible !== false) ? "visible" : "none";
        map.addLayer({ id: "q-" + c.id + "-fond", type: "fill", source: "q-" + c.id,
          layout: { visibility: vis },
          paint: { "fill-color": c.couleur, "fill-opacity": 0.35 } });
        map.addLayer({ id: "q-" + c.id + "-bord", type: "line", source: "q-" + c.id,
          layout: { visibility: vis },
          paint: { "line-color": c.couleur, "line-width": 1.5 } });
        // at small scales a quartier is a few pixels: a dot keeps it visible and clickable
        var centres = { type: "FeatureCollection", features: data.features.map(function (f) {
          var bb = bboxFeature(f);
          return { type: "Feature", properties: f.properties, geometry: { type: "Point",
            coordinates: bb ? [(bb[0][0] + bb[1][0]) / 2, (bb[0][1] + bb[1][1]) / 2] : [0, 0] } };
        }) };
        map.addSource("q-" + c.id + "-centres", { type: "geojson", data: centres });
        map.addLayer({ id: "q-" + c.id + "-point", type: "circle", source: "q-" + c.id + "-centres",
          maxzoom: 10, layout: { visibility: vis },
          paint: { "circle-color": c.couleur, "circle-radius": 4, "circle-opacity": 0.8,
                   "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } });
        var b = bornes(data);
        if (b && !fitted && !config.centre) {
          fitted = true;
          map.fitBounds(b, { padding: 30, animate: false, maxZoom: 14 });
        }
        var compteur = document.getElementById("nb-" + c.id);
        if (compteur) { compteur.textContent = data.features.length.toLocaleString("fr-FR"); }
      });
    }

    var ct = config.contours || {};
    map.on("load", function () {
      if (ct.departements) {
        charger(ct.departements, function (data) {
          map.addSource("departements", { type: "geojson", data: data });
          map.addLayer({ id: "departements", type: "line", source: "departements",
            paint: { "line-color": "#3a3a3a", "line-width": 1.5 } }, firstQuartierLayer());
          deps = data.features.map(function (f) {
            return { code: f.properties.code, bbox: bboxFeature(f) };
          });
          chargerCommunes();
        });
      }
      // only the visible vintages are downloaded now; the others when first switched on
      (config.couches || []).forEach(function (c) { if (c.visible !== false) ajouterCouche(c); });
    });
    map.on("moveend", chargerCommunes);

    function firstQuartierLayer() {
      var layers = map.getStyle().layers;
      for (var i = 0; i < layers.length; i++) {
        if (layers[i].id.indexOf("q-") === 0) return layers[i].id;
      }
      return undefined;
    }

    function fillLayers() {
      var ids = [];
      (config.couches || []).forEach(function (c) {
        ids.push("q-" + c.id + "-fond", "q-" + c.id + "-point");
      });
      return ids.filter(function (id) { return map.getLayer(id); });
    }

    var bulle = new maplibregl.Popup({ closeButton: false, closeOnClick: false });
    map.on("mousemove", function (e) {
      var hits = map.queryRenderedFeatures(e.point, { layers: fillLayers() });
      map.getCanvas().style.cursor = hits.length ? "pointer" : (config.surClic === "point" ? "crosshair" : "");
      if (hits.length) {
        var p = hits[0].properties;
        var t = document.createElement("span");
        t.textContent = p.nom + " (" + (p.libelle || p.code) + ")";
        bulle.setLngLat(e.lngLat).setDOMContent(t).addTo(map);
      } else { bulle.remove(); }
    });

    map.on("click", function (e) {
      if (config.surClic === "point") {
        var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
        if (lon && lat) {
          lon.value = e.lngLat.lng.toFixed(6); lat.value = e.lngLat.lat.toFixed(6);
          var form = lon.form; if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
        }
        return;
      }
      var hits = map.queryRenderedFeatures(e.point, { layers: fillLayers() });
      if (hits.length && config.ficheUrl) {
        window.location.href = config.ficheUrl.replace("CODE", encodeURIComponent(hits[0].properties.code));
      }
    });

    document.querySelectorAll("[data-couche]").forEach(function (box) {
      box.addEventListener("change", function () {
        var id = box.getAttribute("data-couche");
        (config.couches || []).forEach(function (c) {
          if (c.id === id && box.checked && !c.chargee) {
            el.removeAttribute("data-etat");
            ajouterCouche(c);
          }
        });
        ["-fond", "-bord", "-point"].forEach(function (suffix) {
          if (map.getLayer("q-" + id + suffix)) {
            map.setLayoutProperty("q-" + id + suffix, "visibility", box.checked ? "visible" : "none");
          }
        });
      });
    });

    if (config.marqueur) {
      var m = new maplibregl.Marker({ color: "#000091" }).setLngLat(config.marqueur).addTo(map);
      m.getElement().setAttribute("role", "img");
      m.getElement().setAttribute("aria-label", "Point vérifié");
    }
    if (config.emprise) {
      map.fitBounds(config.emprise, { padding: 40, animate: false, maxZoom: 15 });
      fitted = true;
    }
    return map;
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-carte-config]").forEach(function (el) {
      var cfg = JSON.parse(document.getElementById(el.getAttribute("data-carte-config")).textContent);
      window.quartiersCarte(el, cfg);
    });
  });
})();
