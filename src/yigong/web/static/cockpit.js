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
