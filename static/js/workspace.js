// The workspace's live parts: social counters as you type (the same rules as
// rewrites/checks/counters.py, under the same rule names; which post counts by which rule, and its
// limit, come from the page's counter-spec, built from rewrites/fields.py; the server's count
// decides on save), keeping the page's panels true after every change (rewrite-changed, see
// rewrites/desk/workspace.py), lint evidence beside the field and in the sources, keyboard
// shortcuts, and leaving the presence list when the page closes.
(function () {
  "use strict";
  const spec = JSON.parse(document.getElementById("counter-spec").textContent);
  const urlPattern = new RegExp(spec.urlPattern, "gi");
  const trailing = ".,;:!?)]}'\"";
  const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
  // The record name of each social post's field (bluesky_post → blueskyPost).
  const recordNames = Object.fromEntries(Object.entries(spec.networks).map(([recordName, network]) => [network.field, recordName]));

  function findUrls(text) {
    const spans = [];
    urlPattern.lastIndex = 0;
    let match;
    while ((match = urlPattern.exec(text)) !== null) {
      let start = match.index, end = match.index + match[0].length;
      while (end > start && trailing.includes(text[end - 1])) end--;
      spans.push([start, end]);
      if (match[0].length === 0) urlPattern.lastIndex++;
    }
    return spans;
  }

  function isEmoji(cluster) {
    for (const char of cluster) {
      const code = char.codePointAt(0);
      if (code >= 0x1f000 || char === "\ufe0f" || (code >= 0x2600 && code <= 0x27bf)) return true;
    }
    return false;
  }

  function xWeight(char) {
    const code = char.codePointAt(0);
    for (const [low, high] of spec.x.narrowRanges) if (code >= low && code <= high) return spec.x.scale;
    return spec.x.defaultWeight;
  }

  // The counting rules, by the names rewrites/fields.py gives them (rewrites/checks/counters.py's COUNTING_RULES).
  const rules = {
    "graphemes": (text) => Array.from(graphemes.segment(text.normalize("NFC"))).length,
    "code-points": (text) => Array.from(text).length,
    "x-weighted": (text) => {
      text = text.normalize("NFC");
      let total = 0, position = 0;
      for (const [start, end] of findUrls(text).concat([[text.length, text.length]])) {
        for (const { segment } of graphemes.segment(text.slice(position, start))) {
          if (isEmoji(segment)) total += spec.x.defaultWeight;
          else for (const char of segment) total += xWeight(char);
        }
        if (end > start) total += spec.x.urlLength * spec.x.scale;
        position = end;
      }
      return Math.floor((total + spec.x.scale - 1) / spec.x.scale);
    },
  };
  const counters = Object.fromEntries(Object.entries(spec.networks).map(([recordName, network]) => [recordName, rules[network.rule]]));
  window.newsroomCount = (recordName, text) => counters[recordName](text);

  // The live counter under the textarea and the one in the field's header say the same while typing.
  function updateCounter(textarea) {
    const field = textarea.dataset.counterField;
    const network = spec.networks[recordNames[field]];
    const count = counters[recordNames[field]](textarea.value.replace(/\r\n/g, "\n"));
    const over = count > network.limit;
    const output = document.getElementById("count-" + field);
    output.textContent = `${network.name}: ${count} / ${network.limit} ${network.unit}`;
    output.classList.toggle("over-limit", over);
    output.dataset.count = String(count);
    const header = document.getElementById("header-count-" + field);
    if (header) {
      header.textContent = `${count} / ${network.limit} ${network.unit}`;
      header.classList.toggle("over-limit", over);
      header.dataset.count = String(count);
    }
  }

  function grow(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = `${textarea.scrollHeight + 4}px`;
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches("textarea[data-counter-field]")) updateCounter(event.target);
    if (event.target.matches("textarea.autogrow")) grow(event.target);
  });

  // After a save, open the next (or previous) field for editing when asked with Alt+arrow.
  let editAfterSave = null;

  document.addEventListener("htmx:load", (event) => {
    const element = event.detail.elt;
    element.querySelectorAll("textarea[data-counter-field]").forEach(updateCounter);
    element.querySelectorAll("textarea.autogrow").forEach(grow);
    const focus = element.querySelector("textarea");
    if (focus && element.matches(".field") && document.activeElement !== focus) {
      focus.focus();
      focus.setSelectionRange(focus.value.length, focus.value.length);
    }
  });

  // The web card's preview frame carries the page's nonce for its one inline style; a part of the page
  // drawn by a later request carries that request's nonce, which this page's policy does not accept.
  const pageNonce = document.querySelector('meta[name="csp-nonce"]').content;
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (typeof event.detail.serverResponse === "string") {
      event.detail.serverResponse = event.detail.serverResponse.replace(/nonce=&quot;[^&]*&quot;/g, `nonce=&quot;${pageNonce}&quot;`);
    }
  });

  // Keeping every panel true: the server says the rewrite changed, #panel-refresh fetches the panels and
  // htmx swaps each in place. A field open for editing (or showing a conflict) is left alone, and text
  // typed into any other panel survives the swap.
  function isBeingEdited(element) {
    return element.matches(".conflict") || element.querySelector(".field-form, .credits-form") !== null;
  }

  let typed = null;
  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const target = event.detail.target;
    if (target.matches(".field") && isBeingEdited(target)) {
      event.detail.shouldSwap = false;
      return;
    }
    typed = { id: target.id, focus: target.contains(document.activeElement) ? document.activeElement.id : "", values: {} };
    target.querySelectorAll("input[type=text], input:not([type]), textarea").forEach((input) => {
      if (input.id && input.value !== input.defaultValue) typed.values[input.id] = input.value;
    });
  });
  document.addEventListener("htmx:oobAfterSwap", (event) => {
    if (!typed || event.detail.target.id !== typed.id) return;
    for (const [id, value] of Object.entries(typed.values)) {
      const input = document.getElementById(id);
      if (input) input.value = value;
    }
    if (typed.focus && document.getElementById(typed.focus)) document.getElementById(typed.focus).focus();
    typed = null;
  });

  document.body.addEventListener("rewrite-changed", (event) => {
    const { version, elsewhere, state } = event.detail;
    // The heartbeat compares this with the rewrite; the panels on their way will show the same state.
    const shown = document.getElementById("shown-state");
    if (shown && state) shown.value = state;
    // Forms opened on the version just before this editor's own change are still current; forms on
    // anything older, and every form when the change came from elsewhere, keep their version, so
    // saving them is checked against the change and shows a conflict instead of overwriting it.
    if (elsewhere) return;
    document.querySelectorAll('input[name="version"]').forEach((input) => {
      if (Number(input.value) === version - 1) input.value = String(version);
    });
  });

  // Evidence: the sentence the finding was checked against, marked in the sources column and
  // scrolled into view there (the column stays in view while the outputs scroll).
  function clearEvidenceMarks() {
    document.querySelectorAll("mark.evidence-sentence").forEach((mark) => {
      const parent = mark.parentNode;
      mark.replaceWith(...mark.childNodes);
      parent.normalize();
    });
  }

  function markSentence(article, sentence) {
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    const wanted = sentence.trim();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(wanted);
      if (at === -1) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + wanted.length);
      const mark = document.createElement("mark");
      mark.className = "evidence-sentence";
      range.surroundContents(mark);
      return mark;
    }
    return null;
  }

  function showInSources(evidence, { force }) {
    const article = document.getElementById("article-" + evidence.dataset.evidenceArticle);
    if (!article) return;
    const details = article.querySelector("details");
    if (details) details.open = true;
    clearEvidenceMarks();
    const mark = markSentence(article, evidence.dataset.evidenceSentence) || article;
    const column = document.querySelector(".workspace .sources");
    const scrolls = column && getComputedStyle(column).overflowY === "auto" && column.scrollHeight > column.clientHeight;
    if (scrolls) {
      const offset = mark.getBoundingClientRect().top - column.getBoundingClientRect().top;
      column.scrollTop += offset - column.clientHeight / 3;
    } else if (force) {
      mark.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target.matches(".evidence-slot")) {
      const evidence = target.querySelector(".evidence[data-evidence-article]");
      if (evidence) showInSources(evidence, { force: false });
    }
    if (editAfterSave && target.matches(".field") && target.dataset.field === editAfterSave.from) {
      const plan = editAfterSave;
      editAfterSave = null;
      const saved = document.getElementById(target.id);
      if (saved && !saved.matches(".conflict") && !saved.querySelector(".field-form")) editNeighbour(saved, plan.step);
    }
  });

  document.addEventListener("click", (event) => {
    const show = event.target.closest(".show-in-sources");
    if (show) showInSources(show.closest(".evidence"), { force: true });
    const close = event.target.closest(".close-evidence");
    if (close) {
      close.closest(".evidence-slot").replaceChildren();
      clearEvidenceMarks();
    }
  });

  // Keyboard
  function fieldSections() {
    return Array.from(document.querySelectorAll(".outputs > .field"));
  }

  function currentField() {
    const active = document.activeElement && document.activeElement.closest(".outputs > .field");
    return active || document.querySelector(".outputs > .field.current");
  }

  function goToField(section) {
    if (!section) return;
    fieldSections().forEach((other) => other.classList.toggle("current", other === section));
    const heading = section.querySelector("h3");
    heading.focus({ preventScroll: true });
    section.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const sections = fieldSections();
    const index = sections.indexOf(currentField());
    goToField(sections[Math.max(0, Math.min(sections.length - 1, index + step))] || sections[0]);
  }

  function editNeighbour(section, step) {
    const sections = fieldSections();
    let index = sections.indexOf(document.getElementById(section.id));
    do { index += step; } while (sections[index] && !sections[index].querySelector(".edit-button"));
    if (!sections[index]) return;
    goToField(sections[index]);
    sections[index].querySelector(".edit-button").click();
  }

  function click(selector) {
    const button = document.querySelector(selector);
    if (button && !button.disabled) button.click();
    return Boolean(button);
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.matches(".lint-mark") && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      target.click();
      return;
    }
    if (target.matches(".field-form textarea")) {
      const form = target.form;
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        event.preventDefault();
        editAfterSave = { from: form.closest(".field").dataset.field, step: event.key === "ArrowDown" ? 1 : -1 };
        form.requestSubmit();
      } else if (event.key === "Escape") {
        event.preventDefault();
        form.querySelector(".cancel-button").click();
      }
      return;
    }
    const typing = target.matches("input, textarea, select, [contenteditable]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey || document.querySelector("dialog[open]")) return;
    const section = currentField();
    // A form that has just opened may not hold the focus yet: Escape still closes it.
    const cancel = section && event.key === "Escape" && section.querySelector(".field-form .cancel-button");
    if (cancel) { event.preventDefault(); cancel.click(); return; }
    if (event.key === "j") { event.preventDefault(); move(1); }
    else if (event.key === "k") { event.preventDefault(); move(-1); }
    else if ((event.key === "e" || (event.key === "Enter" && target.matches(".field h3"))) && section) {
      const edit = section.querySelector(".edit-button");
      if (edit) { event.preventDefault(); edit.click(); }
    } else if (event.key === "a") {
      const reason = document.getElementById("override-reason");
      event.preventDefault();
      if (reason && !reason.value.trim()) reason.focus();
      else click("#approve-button");
    } else if (event.key === "p") {
      event.preventDefault();
      click("#publish-status .publish-actions form[hx-post*='/publish/'] button[type=submit]");
    } else if (event.key === "n") {
      const next = document.getElementById("next-in-queue");
      if (next) window.location.href = next.href;
    } else if (event.key === "?") {
      event.preventDefault();
      document.getElementById("shortcuts").showModal();
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const show = document.getElementById("show-shortcuts");
    if (show) show.addEventListener("click", () => document.getElementById("shortcuts").showModal());
  });

  window.addEventListener("pagehide", () => {
    const presence = document.getElementById("presence");
    const token = document.querySelector("[name=csrfmiddlewaretoken]");
    if (!presence || !token) return;
    const data = new FormData();
    data.append("leaving", "1");
    data.append("csrfmiddlewaretoken", token.value);
    navigator.sendBeacon(presence.getAttribute("hx-post"), data);
  });
})();
