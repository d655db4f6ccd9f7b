// Billing page: while a top-up or refund is pending, poll its status and reload when it changes.
(function () {
  "use strict";
  var rows = document.querySelectorAll("[data-billing-poll]");
  if (!rows.length || !window.fetch) { return; }
  var deadline = Date.now() + 10 * 60 * 1000;
  function state(t) {
    return t.status + ":" + t.refunds.map(function (r) { return r.status; }).join(",");
  }
  function poll() {
    if (Date.now() > deadline) { return; }
    var checks = Array.prototype.map.call(rows, function (row) {
      return fetch(row.getAttribute("data-billing-poll"), {credentials: "same-origin",
                                                           headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (t) { return t && state(t) !== row.getAttribute("data-billing-state"); })
        .catch(function () { return false; });
    });
    Promise.all(checks).then(function (changed) {
      if (changed.indexOf(true) >= 0) { window.location.reload(); } else { setTimeout(poll, 3000); }
    });
  }
  setTimeout(poll, 2000);
})();
