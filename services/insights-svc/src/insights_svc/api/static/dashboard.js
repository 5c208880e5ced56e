// Draws the charts a page describes in its <script type="application/json" id="chart-data">
// with the vendored Chart.js. No inline script: the page's Content-Security-Policy allows
// scripts of this origin only.
(function () {
  "use strict";
  var palette = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
  function draw(spec, index) {
    var canvas = document.getElementById(spec.canvas);
    if (!canvas) { return null; }
    var datasets = spec.datasets.map(function (d, i) {
      var colour = palette[i % palette.length];
      return { label: d.label, data: d.data, backgroundColor: colour, borderColor: colour, spanGaps: true };
    });
    var options = { responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: datasets.length > 1 } } };
    if (spec.horizontal) { options.indexAxis = "y"; }
    if (spec.y) { options.scales = { y: { title: { display: true, text: spec.y }, beginAtZero: true } }; }
    return new window.Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options });
  }
  function start() {
    var source = document.getElementById("chart-data");
    var drawn = 0;
    if (source && window.Chart) {
      JSON.parse(source.textContent).forEach(function (spec, i) { if (draw(spec, i)) { drawn += 1; } });
    }
    document.body.setAttribute("data-charts", String(drawn));
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
