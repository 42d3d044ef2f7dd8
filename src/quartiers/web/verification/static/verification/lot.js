// Progress of a batch job, read every second until it ends (the job runs on the server).
(function () {
  "use strict";
  var el = document.getElementById("lot");
  if (!el) { return; }
  var libelles = {attente: "En attente", en_cours: "En cours", termine: "Terminé", echec: "Échec"};
  function maj() {
    fetch(el.getAttribute("data-etat-url")).then(function (r) { return r.json(); }).then(function (e) {
      document.getElementById("progression").value = e.pourcentage;
      document.getElementById("progression").textContent = e.pourcentage + " %";
      document.getElementById("pourcentage").textContent = e.pourcentage;
      document.getElementById("statut").textContent = libelles[e.statut] +
        (e.message ? " : " + e.message : " (" + e.traitees.toLocaleString("fr-FR") + " lignes lues)");
      el.setAttribute("data-statut", e.statut);
      if (e.statut === "termine") { document.getElementById("telechargements").hidden = false; }
      if (e.statut === "attente" || e.statut === "en_cours") { setTimeout(maj, 1000); }
    }).catch(function () { setTimeout(maj, 3000); });
  }
  var s = el.getAttribute("data-statut");
  if (s === "attente" || s === "en_cours") { maj(); }
})();
