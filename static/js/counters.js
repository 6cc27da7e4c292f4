// Social post counters, mirroring rewrites/counters.py exactly: the same URL
// pattern, the same twitter-text weights and the same limits. Keep in step.
// Bluesky counts graphemes (300), X weighted characters (280: links 23, emoji
// and wide characters 2), Threads code points (500).
(function (global) {
  "use strict";

  var X_SCALE = 100;
  var X_DEFAULT_WEIGHT = 200;
  var X_NARROW_RANGES = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
  var X_URL_LENGTH = 23;
  var URL_PATTERN =
    "(?:https?://[^\\s<>\"]+)" +
    "|(?:(?<![A-Za-z0-9_])www\\.[^\\s<>\"]+)" +
    "|(?:(?<![A-Za-z0-9_])[a-z0-9][a-z0-9-]*(?:\\.[a-z0-9-]+)*\\.(?:com|net|org|io|jp|co|dev|ai|app|news|tv|me|ly|gg)" +
    "(?:/[^\\s<>\"]*)?(?![a-z0-9-]))";
  var TRAILING_PUNCTUATION = ".,;:!?)]}'\"";
  var NETWORKS = {
    blueskyPost: { name: "Bluesky", limit: 300, unit: "graphemes", count: blueskyLength },
    twitterPost: { name: "X", limit: 280, unit: "weighted characters", count: xWeightedLength },
    threadsPost: { name: "Threads", limit: 500, unit: "characters", count: threadsLength },
  };
  var segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

  function graphemes(text) {
    return Array.from(segmenter.segment(text), function (part) { return part.segment; });
  }

  function blueskyLength(text) {
    return graphemes((text || "").normalize("NFC")).length;
  }

  function threadsLength(text) {
    return Array.from(text || "").length;
  }

  // Spans in code points, as Python reports them.
  function findUrls(text) {
    var chars = Array.from(text || "");
    var joined = chars.join("");
    var spans = [];
    var pattern = new RegExp(URL_PATTERN, "giu");
    var match;
    while ((match = pattern.exec(joined)) !== null) {
      var start = Array.from(joined.slice(0, match.index)).length;
      var end = start + Array.from(match[0]).length;
      while (end > start && TRAILING_PUNCTUATION.indexOf(chars[end - 1]) !== -1) end -= 1;
      spans.push([start, end]);
    }
    return spans;
  }

  function isEmoji(cluster) {
    return Array.from(cluster).some(function (char) {
      var code = char.codePointAt(0);
      return code >= 0x1f000 || code === 0xfe0f || (code >= 0x2600 && code <= 0x27bf);
    });
  }

  function xWeight(char) {
    var code = char.codePointAt(0);
    for (var i = 0; i < X_NARROW_RANGES.length; i++) {
      if (code >= X_NARROW_RANGES[i][0] && code <= X_NARROW_RANGES[i][1]) return X_SCALE;
    }
    return X_DEFAULT_WEIGHT;
  }

  function xWeightedLength(text) {
    var chars = Array.from((text || "").normalize("NFC"));
    var total = 0;
    var position = 0;
    var spans = findUrls(chars.join("")).concat([[chars.length, chars.length]]);
    spans.forEach(function (span) {
      graphemes(chars.slice(position, span[0]).join("")).forEach(function (cluster) {
        if (isEmoji(cluster)) {
          total += X_DEFAULT_WEIGHT;
        } else {
          Array.from(cluster).forEach(function (char) { total += xWeight(char); });
        }
      });
      if (span[1] > span[0]) total += X_URL_LENGTH * X_SCALE;
      position = span[1];
    });
    return Math.ceil(total / X_SCALE);
  }

  function countFor(field, text) {
    var network = NETWORKS[field];
    var count = network.count(text || "");
    return { network: network.name, count: count, limit: network.limit, remaining: network.limit - count, unit: network.unit };
  }

  global.NewsroomCounters = {
    blueskyLength: blueskyLength,
    threadsLength: threadsLength,
    xWeightedLength: xWeightedLength,
    findUrls: findUrls,
    countFor: countFor,
  };
})(window);
