// The job page's live progress bar: poll the job's status (a small JSON view) every
// second while it runs; reload the page once it has finished, to show its result.
(function () {
  "use strict";
  function start() {
    var page = document.querySelector(".job-page");
    // The bar's first width comes from data-percent: the Content-Security-Policy allows
    // no style attributes in the page, only styles set from a script.
    var first = document.querySelector("#job-bar > div");
    if (first) first.style.width = (first.dataset.percent || "0") + "%";
    if (!page || page.dataset.finished === "1") return;
    var url = page.dataset.statusUrl;
    var seconds = " " + page.dataset.labelSeconds;
    function text(id, value) {
      var node = document.getElementById(id);
      if (node) node.textContent = value;
    }
    function poll() {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) { setTimeout(poll, 3000); return; }
          if (state.finished) { window.location.reload(); return; }
          var bar = document.getElementById("job-bar");
          bar.setAttribute("aria-valuenow", state.percent);
          bar.firstElementChild.style.width = state.percent + "%";
          text("job-percent", state.percent + "%");
          text("job-status", state.status_label);
          text("job-total", state.rows.total);
          text("job-read", state.rows.read);
          text("job-checked", state.rows.checked);
          text("job-written", state.rows.written);
          text("job-elapsed", state.elapsed === null ? "" : Math.round(state.elapsed) + seconds);
          text("job-remaining", state.remaining === null ? "" : Math.round(state.remaining) + seconds);
          document.getElementById("job-cancelling").hidden = !state.cancel_requested;
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
