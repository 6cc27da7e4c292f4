// Keyboard navigation for the queue: j / k move between rows, Enter or o opens, / searches.
(function () {
  "use strict";
  function rows() {
    return Array.from(document.querySelectorAll("#rewrite-list .queue-row"));
  }

  // The row holding the focus (or the last one selected): the list can be replaced under us.
  function currentIndex() {
    const all = rows();
    const focused = all.findIndex((row) => row.contains(document.activeElement));
    return focused >= 0 ? focused : all.findIndex((row) => row.classList.contains("selected"));
  }

  // The selected row is remembered per queue view (its filters), so that coming back from a workspace
  // (Back, or the workspace's link to the queue) finds the same row selected.
  function memoryKey() {
    return "queue-selection:" + window.location.search;
  }

  function remember(row) {
    try { window.sessionStorage.setItem(memoryKey(), row.dataset.rewrite); } catch (error) { /* storage off: nothing kept */ }
  }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    const current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("selected", i === current));
    const link = all[current].querySelector(".open-link");
    link.focus();
    remember(all[current]);
  }

  function restoreSelection() {
    let remembered = null;
    try { remembered = window.sessionStorage.getItem(memoryKey()); } catch (error) { return; }
    if (!remembered) return;
    const index = rows().findIndex((row) => row.dataset.rewrite === remembered);
    if (index >= 0) select(index);
  }

  // Rows picked for a bulk action: click a box, shift-click another to pick the run between, or x on a row.
  let lastPicked = null;

  function picks() {
    return Array.from(document.querySelectorAll("#rewrite-list .row-pick"));
  }

  function countPicked() {
    const count = document.getElementById("picked-count");
    const picked = picks().filter((box) => box.checked).length;
    if (count) count.textContent = `${picked} selected`;
    picks().forEach((box) => box.closest(".queue-row").classList.toggle("picked", box.checked));
  }

  document.addEventListener("click", function (event) {
    const box = event.target.closest && event.target.closest("#rewrite-list .row-pick");
    if (!box) return;
    const all = picks();
    const index = all.indexOf(box);
    if (event.shiftKey && lastPicked !== null && lastPicked !== index) {
      const [from, to] = lastPicked < index ? [lastPicked, index] : [index, lastPicked];
      for (let i = from; i <= to; i++) all[i].checked = box.checked;
    }
    lastPicked = index;
    countPicked();
  });

  // After a bulk action the list is drawn again with the same filters.
  document.addEventListener("queue-changed", function () {
    const filters = document.querySelector("form.filters");
    if (filters && window.htmx) window.htmx.trigger(filters, "submit");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "rewrite-list" || (event.detail && event.detail.target && event.detail.target.id === "rewrite-list")) {
      lastPicked = null;
      countPicked();
    }
  });

  document.addEventListener("DOMContentLoaded", restoreSelection);
  window.addEventListener("pageshow", (event) => { if (event.persisted) restoreSelection(); });
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("#rewrite-list .open-link");
    if (link) remember(link.closest(".queue-row"));
  });

  // The search box refreshes the list as one types; its own change event (on blur) must not refresh it again.
  // (Done here rather than with an htmx trigger filter, which the Content-Security-Policy forbids as eval.)
  document.addEventListener("DOMContentLoaded", function () {
    const search = document.getElementById("queue-search");
    if (search) search.addEventListener("change", (event) => event.stopPropagation());
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target.matches("input:not([type=checkbox]), textarea, select, [contenteditable]");
    if (event.key === "/" && !typing) {
      event.preventDefault();
      document.getElementById("queue-search").focus();
      return;
    }
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "j") { event.preventDefault(); select(currentIndex() + 1); }
    else if (event.key === "k") { event.preventDefault(); select(Math.max(currentIndex() - 1, 0)); }
    else if (event.key === "x") {
      const index = currentIndex();
      const box = index >= 0 ? rows()[index].querySelector(".row-pick") : null;
      if (box) { event.preventDefault(); box.checked = !box.checked; lastPicked = picks().indexOf(box); countPicked(); }
    }
    else if (event.key === "o") {
      const row = rows()[currentIndex()];
      const link = row && row.querySelector(".open-link");
      if (link) { remember(row); window.location.href = link.href; }
    }
  });
})();
