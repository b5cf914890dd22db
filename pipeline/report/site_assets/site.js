// Search and filters for the published collection (slr publish). The page lists every source
// without this script; it only hides the entries that do not match. No network, no storage.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var entries = Array.prototype.slice.call(document.querySelectorAll("li.entry"));
  var fold = function (text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  };
  var haystack = entries.map(function (li) { return fold(li.textContent); });
  var runOrder = Array.prototype.map.call(document.querySelectorAll("#f-since option"), function (o) { return o.value; });
  var field = function (name) { return document.getElementById("f-" + name); };
  var count = document.getElementById("count");
  var none = document.getElementById("none");

  function apply() {
    var words = fold(field("q").value).split(/\s+/).filter(Boolean);
    var category = field("category").value, theme = field("theme").value, region = field("region").value;
    var from = parseInt(field("from").value, 10), to = parseInt(field("to").value, 10);
    var since = field("since").value;
    // Runs are listed newest first: "since run R" keeps R and every run above it.
    var recent = since ? runOrder.slice(1, runOrder.indexOf(since) + 1) : null;
    var shown = 0;
    entries.forEach(function (li, i) {
      var d = li.dataset, year = parseInt(d.year, 10);
      var ok = words.every(function (w) { return haystack[i].indexOf(w) !== -1; }) &&
        (!category || d.category === category) &&
        (!theme || d.themes.split("|").indexOf(theme) !== -1) &&
        (!region || d.regions.split("|").indexOf(region) !== -1) &&
        (isNaN(from) || (!isNaN(year) && year >= from)) &&
        (isNaN(to) || (!isNaN(year) && year <= to)) &&
        (!recent || recent.indexOf(d.run) !== -1);
      li.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.querySelectorAll("section.year, section.category").forEach(function (section) {
      section.hidden = !section.querySelector("li.entry:not([hidden])");
    });
    // Category counts (headings and the list of categories): "(k of n)" while filtered.
    document.querySelectorAll("section.category").forEach(function (section) {
      var all = section.querySelectorAll("li.entry").length;
      var seen = section.querySelectorAll("li.entry:not([hidden])").length;
      document.querySelectorAll('.n[data-for="' + section.id + '"]').forEach(function (n) {
        n.textContent = seen === all ? "(" + all + ")" : "(" + seen + " of " + all + ")";
      });
    });
    count.textContent = shown === entries.length ? entries.length + " sources"
      : shown + " of " + entries.length + " sources shown";
    none.hidden = shown !== 0;
  }

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  // Printing shows the evidence behind every theme.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.themes").forEach(function (d) { d.open = true; });
  });
  apply();
}());
