/* Decision-support panel: while a document is queued or being produced, poll its status (JSON) and update
   the panel in place. Without JavaScript the panel shows a "refresh" link instead; nothing here is required. */
(function () {
  "use strict";

  function start(panel) {
    if (panel.dataset.polling === "1") return;
    panel.dataset.polling = "1";
    var url = panel.getAttribute("data-status-url");
    var statusRegion = panel.querySelector("[data-document-status]");
    var list = panel.querySelector("[data-documents-list]");
    var delay = 1500;
    if (!url || !statusRegion || panel.getAttribute("data-pending") !== "1") return;
    panel.querySelectorAll("[data-refresh-link]").forEach(function (link) { link.hidden = true; });

    function schedule(wait) { window.setTimeout(poll, wait); }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (data.done) {
            statusRegion.innerHTML = data.status_html;
            if (list) list.innerHTML = data.list_html;
            panel.setAttribute("data-pending", "0");
            return;
          }
          var label = statusRegion.querySelector(".status");
          if (label && label.textContent !== data.status_label) {
            label.textContent = data.status_label;
            label.className = "status status-" + data.status;
          }
          delay = Math.min(delay * 1.3, 10000);
          schedule(delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 30000);
          schedule(delay);
        });
    }

    schedule(delay);
  }

  function init() {
    document.querySelectorAll(".documents-panel[data-status-url]").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
