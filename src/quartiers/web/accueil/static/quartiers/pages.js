/* Small behaviours shared by the pages, without inline scripts (Content-Security-Policy):
 * a button with data-imprimer prints the page. */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("[data-imprimer]") : null;
    if (b) { window.print(); }
  });
})();
