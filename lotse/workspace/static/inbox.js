// Keeps the inbox current: polls /workspace/inbox/version and, when it changed, fetches the
// page again and swaps in the new list (no reload, the focus and the filter form stay).
(function () {
  "use strict";
  var results = document.getElementById("results");
  if (!results || !window.fetch || !window.DOMParser) { return; }
  var version = results.getAttribute("data-version");
  var interval = parseInt(results.getAttribute("data-poll-ms"), 10) || 1000;
  var busy = false;

  function announce(text) {
    var live = document.getElementById("live");
    if (live) { live.textContent = text; }
  }

  function refresh(newVersion) {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) { window.location.reload(); return; }
        return response.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("results");
          var current = document.getElementById("results");
          if (!fresh || !current) { return; }
          current.replaceWith(document.importNode(fresh, true));
          version = newVersion;
          announce("Liste aktualisiert " + new Date().toLocaleTimeString("de-DE"));
        });
      });
  }

  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch("/workspace/inbox/version", {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (response.redirected || type.indexOf("application/json") !== 0) {
          window.location.reload();  // logged out or session expired: show the login page
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (data && data.version && data.version !== version) { return refresh(data.version); }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, interval);
  document.addEventListener("visibilitychange", poll);
})();
