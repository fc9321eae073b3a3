/* The scorecard chart: each indicator's actual value as a share of its target. */
function drawScorecard(el, items, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  var colours = { green: "#2e7d32", amber: "#f9a825", red: "#c62828", grey: "#aaaaaa" };
  var rows = items.filter(function (r) { return r.value !== null && r.target && r.target.value; });
  var chart = track(echarts.init(el));
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
    track(echarts.init(el)).setOption({
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
  track(echarts.init(el)).setOption({
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
  track(echarts.init(el)).setOption({
    animation: false,
    tooltip: {},
    xAxis: { type: "category", data: keys.map(function (k) { return labels[k] || k; }),
             axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value" },
    series: [{ type: "bar", data: keys.map(function (k) { return counts[k]; }) }]
  });
  el.setAttribute("data-rendered", "1");
}

/* Every chart drawn, so a resize (a phone turned, a window narrowed) redraws them all. */
var CHARTS = [];
function track(chart) { CHARTS.push(chart); return chart; }
function labelsOf(el) {
  var id = el.getAttribute("data-labels");
  var node = id ? document.getElementById(id) : null;
  return node ? JSON.parse(node.textContent) : {};
}
function fmt(v, lang) {
  if (v === null || v === undefined) { return "—"; }
  return Number(v).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { maximumFractionDigits: 2 });
}

/* A target's trajectory: the observed years, the trend to the deadline, the target line. */
function drawTrajectory(el, all, lang) {
  var tr = all[Number(el.getAttribute("data-key"))];
  if (typeof echarts === "undefined" || !el || !tr) { return; }
  var L = labelsOf(el);
  var years = [];
  var first = tr.points[0][0], last = Math.max(tr.deadline, tr.points[tr.points.length - 1][0]);
  for (var y = first; y <= last; y++) { years.push(String(y)); }
  var at = function (pairs) {
    var m = {}; pairs.forEach(function (p) { m[String(p[0])] = p[1]; });
    return years.map(function (y) { return y in m ? m[y] : null; });
  };
  var series = [
    { name: L.observed || "observed", type: "line", data: at(tr.points), connectNulls: true,
      symbolSize: 7, lineStyle: { width: 3 } },
    { name: L.trend || "trend", type: "line", data: at(tr.trend), connectNulls: true,
      lineStyle: { type: "dashed" }, symbol: "none" }
  ];
  if (tr.target !== null) {
    series.push({ name: L.target || "target", type: "line", symbol: "none",
      data: years.map(function () { return tr.target; }), lineStyle: { color: "#c62828", type: "dotted" } });
  }
  track(echarts.init(el)).setOption({
    animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    grid: { left: 48, right: 16, top: 16, bottom: 48 },
    xAxis: { type: "category", data: years }, yAxis: { type: "value", scale: true, name: tr.unit },
    series: series
  });
  el.setAttribute("data-rendered", "1");
}

/* The children ranked on the chosen indicator (best first). */
function drawRanking(el, m, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  var items = m.items.slice().reverse();
  track(echarts.init(el)).setOption({
    animation: false, tooltip: {},
    grid: { left: 110, right: 24, top: 16, bottom: 24 },
    xAxis: { type: "value", scale: true },
    yAxis: { type: "category", data: items.map(function (k) { return k.name; }), axisLabel: { width: 100, overflow: "truncate" } },
    series: [{ type: "bar", data: items.map(function (k) { return k.value; }),
               itemStyle: { color: "#3f7fbf" } }]
  });
  el.setAttribute("data-rendered", "1");
}

var BIN_COLOURS = ["#deebf7", "#b8d5ee", "#7fb2dc", "#2f6aa8", "#0b3d75"];

/* The children on their boundaries (a city's counties), coloured by bin like the tile grid. */
function drawMap(el, m, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  fetch(el.getAttribute("data-boundary"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (geo) {
      var name = "yigong-" + m.node;
      echarts.registerMap(name, geo);
      var byCode = {};
      m.items.forEach(function (k) { byCode[k.node.split(":")[1]] = k; });
      var data = geo.features.map(function (ft) {
        var k = byCode[ft.id];
        return { name: ft.properties.name, value: k ? k.value : null,
                 itemStyle: { areaColor: k ? BIN_COLOURS[k.bin] : "#eeeeee" } };
      });
      track(echarts.init(el)).setOption({
        animation: false,
        tooltip: { formatter: function (p) { return p.name + ": " + fmt(p.value, lang); } },
        series: [{ type: "map", map: name, data: data, roam: false,
                   label: { show: true, fontSize: 10 }, emphasis: { label: { show: true } } }]
      });
      el.setAttribute("data-rendered", "1");
    });
}

/* Referral flows: requesting level → receiving level, coloured by direction. */
function drawSankey(el, links, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  var L = labelsOf(el);
  var nodes = {}, data = [];
  var name = function (side, level) { return (L[side] || side) + " " + (L[level] || level || "—"); };
  links.forEach(function (l) {
    var a = name("from", l.from_level), b = name("to", l.to_level);
    nodes[a] = 1; nodes[b] = 1;
    var found = data.filter(function (d) { return d.source === a && d.target === b; })[0];
    if (found) { found.value += l.n; }
    else { data.push({ source: a, target: b, value: l.n,
      lineStyle: { color: l.direction === "upward" ? "#3f7fbf" : "#2e7d32", opacity: 0.45 } }); }
  });
  track(echarts.init(el)).setOption({
    animation: false, tooltip: { trigger: "item" },
    series: [{ type: "sankey", left: 8, right: 120, data: Object.keys(nodes).map(function (n) { return { name: n }; }),
               links: data, label: { fontSize: 12 }, emphasis: { focus: "adjacency" } }]
  });
  el.setAttribute("data-rendered", "1");
}

/* A monthly line against a straight line (fund use against time elapsed). */
function drawProgress(el, rows, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  var L = labelsOf(el);
  track(echarts.init(el)).setOption({
    animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    grid: { left: 48, right: 16, top: 16, bottom: 48 },
    xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
    yAxis: { type: "value", max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, name: "%" },
    series: [
      { name: L.used || "used", type: "line", data: rows.map(function (r) { return r.used_pct; }), symbolSize: 7 },
      { name: L.elapsed || "time elapsed", type: "line", data: rows.map(function (r) { return r.elapsed_pct; }),
        lineStyle: { type: "dashed" }, symbol: "none" }
    ]
  });
  el.setAttribute("data-rendered", "1");
}

/* An indicator over time (years or months). */
function drawSeries(el, rows, lang) {
  if (typeof echarts === "undefined" || !el) { return; }
  var L = labelsOf(el);
  var series = [{ name: L.value || "value", type: "line", connectNulls: false, symbolSize: 7,
                  data: rows.map(function (r) { return r.value; }) }];
  if (rows.some(function (r) { return r.target !== null && r.target !== undefined; })) {
    series.push({ name: L.target || "target", type: "line", symbol: "none",
      lineStyle: { color: "#c62828", type: "dotted" }, data: rows.map(function (r) { return r.target; }) });
  }
  track(echarts.init(el)).setOption({
    animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    grid: { left: 56, right: 16, top: 16, bottom: 48 },
    xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
    yAxis: { type: "value", scale: true }, series: series
  });
  el.setAttribute("data-rendered", "1");
}

/* The node picker: filter the tree as the user types (the server filters too, without JS). */
function filterTree(input) {
  var q = input.value.trim().toLowerCase();
  document.querySelectorAll("#picker-tree li").forEach(function (li) {
    var text = li.getAttribute("data-search") || "";
    li.hidden = q !== "" && text.indexOf(q) < 0 && !li.querySelector("li[data-search*='" + q.replace(/'/g, "") + "']");
  });
  if (q) { document.querySelectorAll("#picker-tree details").forEach(function (d) { d.open = true; }); }
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
      case "trajectory": drawTrajectory(el, data, lang); break;
      case "ranking": drawRanking(el, data, lang); break;
      case "map": drawMap(el, data, lang); break;
      case "sankey": drawSankey(el, data, lang); break;
      case "progress": drawProgress(el, data, lang); break;
      case "series": drawSeries(el, data, lang); break;
      case "populations":
        drawPopulations(el, data, JSON.parse(document.getElementById(el.getAttribute("data-labels")).textContent));
        break;
    }
  });
  var search = document.getElementById("picker-search");
  if (search) { search.addEventListener("input", function () { filterTree(search); }); }
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { CHARTS.forEach(function (c) { c.resize(); }); }, 150);
  });
  window.addEventListener("beforeprint", function () { CHARTS.forEach(function (c) { c.resize(); }); });
});
