/* The scorecard chart: each indicator's actual value as a share of its target. */
function drawScorecard(el, items, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  var colours = { green: "#2e7d32", amber: "#f9a825", red: "#c62828", grey: "#aaaaaa" };
  var rows = items.filter(function (r) { return r.value !== null && r.target && r.target.value; });
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,  /* drawn at once: screenshots and slow machines see the final chart */
    tooltip: {},
    xAxis: { type: "category", data: rows.map(function (r) { return r.indicator; }) },
    yAxis: { type: "value", name: lang === "zh" ? "实际值/目标 (%)" : "actual / target (%)" },
    series: [{ type: "bar", data: rows.map(function (r) {
      return { value: Math.round(1000 * r.value / r.target.value) / 10,
               itemStyle: { color: colours[r.light] } };
    }), markLine: { data: [{ yAxis: 100 }] } }]
  });
  el.setAttribute("data-rendered", "1");
}

/* Statements: each community's closing balance and quota remaining by month. */
function drawStatements(statements, lang) {
  if (typeof echarts === "undefined") { return; }
  statements.forEach(function (st) {
    var el = document.getElementById("chart-" + st.community_id);
    if (!el) { return; }
    var rows = st.rows;
    echarts.init(el).setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: rows.map(function (r) { return r.period; }) },
      yAxis: { type: "value", name: lang === "zh" ? "元" : "yuan" },
      series: [
        { name: lang === "zh" ? "期末余额" : "closing", type: "line",
          data: rows.map(function (r) { return Number(r.closing); }) },
        { name: lang === "zh" ? "剩余额度" : "quota remaining", type: "line",
          data: rows.map(function (r) { return Number(r.quota_remaining); }) }
      ]
    });
    el.setAttribute("data-rendered", "1");
  });
}

/* Shared centres: turnaround p50 and p90 by month (all centres' monthly rows). */
function drawCentres(el, items, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  var rows = items.filter(function (r) { return r.month !== "all"; });
  var label = function (r) { return r.month + " " + r.centre_type; };
  echarts.init(el).setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: {},
    xAxis: { type: "category", data: rows.map(label) },
    yAxis: { type: "value", name: lang === "zh" ? "分钟" : "minutes" },
    series: [
      { name: "p50", type: "bar", data: rows.map(function (r) { return r.p50_minutes; }) },
      { name: "p90", type: "bar", data: rows.map(function (r) { return r.p90_minutes; }) }
    ]
  });
  el.setAttribute("data-rendered", "1");
}

/* Contracts by key population. */
function drawPopulations(el, counts, labels) {
  if (typeof echarts === "undefined" || !el) { return; }
  var keys = Object.keys(counts);
  echarts.init(el).setOption({
    animation: false,
    tooltip: {},
    xAxis: { type: "category", data: keys.map(function (k) { return labels[k] || k; }),
             axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value" },
    series: [{ type: "bar", data: keys.map(function (k) { return counts[k]; }) }]
  });
  el.setAttribute("data-rendered", "1");
}

/* Draw every chart a page declares (data-draw): the pages carry no inline script, so the
   Content-Security-Policy can forbid inline scripts altogether. */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-draw]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var lang = el.getAttribute("data-lang");
    switch (el.getAttribute("data-draw")) {
      case "scorecard": drawScorecard(el, data, lang); break;
      case "centres": drawCentres(el, data, lang); break;
      case "statements": drawStatements(data, lang); break;
      case "populations":
        drawPopulations(el, data, JSON.parse(document.getElementById(el.getAttribute("data-labels")).textContent));
        break;
    }
  });
});
