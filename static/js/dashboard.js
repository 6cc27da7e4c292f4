// The dashboard: its numbers refresh every 30 s, but not while the tab is hidden; they refresh at once when it is shown again.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (document.hidden && event.detail.elt.id === "dashboard-numbers" && event.detail.requestConfig.verb === "get") {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", () => {
    const numbers = document.getElementById("dashboard-numbers");
    if (!document.hidden && numbers && window.htmx) window.htmx.trigger(numbers, "dashboard-refresh");
  });
})();
