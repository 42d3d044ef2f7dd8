// Suggestions under the address field, as the user types (WAI-ARIA combobox pattern):
// arrow keys move in the list, Enter or a click picks an address, Escape closes the list.
(function () {
  "use strict";
  var input = document.getElementById("id_adresse");
  var list = document.getElementById("suggestions");
  var announce = document.getElementById("suggestions-annonce");
  if (!input || !list) { return; }
  var url = input.getAttribute("data-suggestions-url");
  var timer = null, current = -1, items = [], last = "";
  var types = {numero: "adresse", rue: "voie", lieudit: "lieu-dit", commune: "commune"};

  function close() {
    list.hidden = true; input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant"); current = -1;
  }
  function select(i) {
    var nodes = list.querySelectorAll("li");
    nodes.forEach(function (n, k) { n.setAttribute("aria-selected", k === i ? "true" : "false"); });
    current = i;
    if (i >= 0) { input.setAttribute("aria-activedescendant", nodes[i].id); }
  }
  function choose(i) {
    if (i < 0 || i >= items.length) { return; }
    input.value = items[i].libelle; close();
    var form = document.getElementById("form-point");
    ["id_lon", "id_lat"].forEach(function (id) { var f = document.getElementById(id); if (f) { f.value = ""; } });
    if (form) { form.submit(); }
  }
  function render(data) {
    items = data; list.innerHTML = "";
    data.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "suggestion-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.textContent = s.libelle + " ";
      var t = document.createElement("span"); t.className = "suggestion-type";
      t.textContent = "(" + (types[s.type] || s.type) + ")"; li.appendChild(t);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    var open = data.length > 0;
    list.hidden = !open; input.setAttribute("aria-expanded", open ? "true" : "false");
    announce.textContent = open ? data.length + " adresse(s) suggérée(s)" : "aucune adresse suggérée";
    current = -1;
  }
  function fetchSuggestions() {
    var q = input.value.trim();
    if (q.length < 3 || q === last) { if (q.length < 3) { close(); } return; }
    last = q;
    fetch(url + "?limite=6&q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (data) { if (input.value.trim() === q) { render(data); } })
      .catch(function () { close(); });
  }
  // one question at a time: typing an address forgets a point clicked on the map, and a
  // click on the map (carte.js fills #id_lon/#id_lat, then submits) forgets the address
  var lonField = document.getElementById("id_lon"), latField = document.getElementById("id_lat");
  var clicked = lonField ? lonField.value + "," + latField.value : "";
  input.addEventListener("input", function () {
    if (lonField) { lonField.value = ""; latField.value = ""; clicked = ","; }
    clearTimeout(timer); timer = setTimeout(fetchSuggestions, 200);
  });
  var form = document.getElementById("form-point");
  if (form && lonField) {
    form.addEventListener("submit", function () {
      if (lonField.value && lonField.value + "," + latField.value !== clicked) { input.value = ""; }
    });
  }
  input.addEventListener("keydown", function (e) {
    if (list.hidden) { return; }
    if (e.key === "ArrowDown") { e.preventDefault(); select(Math.min(current + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); select(Math.max(current - 1, 0)); }
    else if (e.key === "Enter" && current >= 0) { e.preventDefault(); choose(current); }
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
