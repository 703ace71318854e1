// MakerChecker reviewer inbox: an enhancement only. Every page works without it; it updates the time shown in
// elements with data-countdown="<ISO instant>" once a second, and shows data-done (if any) when the instant passes.
(function () {
  "use strict";
  function words(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    var h = Math.floor(m / 60);
    if (h < 24) return h + " h " + (m % 60) + " min";
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var until = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(until)) return;
      var left = until - now;
      if (left <= 0 && el.hasAttribute("data-done")) {
        el.textContent = el.getAttribute("data-done");
        el.removeAttribute("data-countdown");
      } else if (el.hasAttribute("data-done")) {
        el.textContent = "Time remaining: " + words(left);
      } else {
        el.textContent = left <= 0 ? "expired" : "in " + words(left);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
