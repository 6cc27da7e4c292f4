// The workspace's live parts: social counters as you type (the same rules as
// rewrites/counters.py; the server's count decides on save), the version that
// every form sends, and leaving the presence list when the page closes.
(function () {
  "use strict";
  const spec = JSON.parse(document.getElementById("counter-spec").textContent);
  const urlPattern = new RegExp(spec.urlPattern, "gi");
  const trailing = ".,;:!?)]}'\"";
  const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
  const recordNames = { bluesky_post: "blueskyPost", twitter_post: "twitterPost", threads_post: "threadsPost" };

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

  const counters = {
    blueskyPost: (text) => Array.from(graphemes.segment(text.normalize("NFC"))).length,
    threadsPost: (text) => Array.from(text).length,
    twitterPost: (text) => {
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
  window.newsroomCount = (recordName, text) => counters[recordName](text);

  function updateCounter(textarea) {
    const recordName = recordNames[textarea.dataset.counterField];
    const network = spec.networks[recordName];
    const count = counters[recordName](textarea.value.replace(/\r\n/g, "\n"));
    const output = document.getElementById("count-" + textarea.dataset.counterField);
    output.textContent = `${network.name}: ${count} / ${network.limit} ${network.unit}`;
    output.classList.toggle("over-limit", count > network.limit);
    output.dataset.count = String(count);
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches("textarea[data-counter-field]")) updateCounter(event.target);
  });
  document.addEventListener("htmx:load", (event) => {
    event.detail.elt.querySelectorAll("textarea[data-counter-field]").forEach(updateCounter);
    const focus = event.detail.elt.querySelector("textarea");
    if (focus && event.detail.elt.matches(".field")) focus.focus();
  });
  document.body.addEventListener("rewrite-changed", (event) => {
    document.querySelectorAll('input[name="version"]').forEach((input) => { input.value = event.detail.version; });
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
