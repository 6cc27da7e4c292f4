// Keyboard navigation for the queue: j / k move between rows, Enter or o opens, / searches.
(function () {
  "use strict";
  let current = -1;

  function rows() {
    return Array.from(document.querySelectorAll("#rewrite-list .queue-row"));
  }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("selected", i === current));
    const link = all[current].querySelector(".open-link");
    link.focus();
  }

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target.matches("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing) {
      event.preventDefault();
      document.getElementById("queue-search").focus();
      return;
    }
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "j") { event.preventDefault(); select(current + 1); }
    else if (event.key === "k") { event.preventDefault(); select(current - 1); }
    else if (event.key === "o" && current >= 0) {
      const link = rows()[current] && rows()[current].querySelector(".open-link");
      if (link) window.location.href = link.href;
    }
  });

  document.addEventListener("htmx:afterSwap", function () { current = -1; });
})();
