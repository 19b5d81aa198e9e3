// The township's births: history, the forecast's three variants and the medium variant's band.
// Drawn from the figures the page carries as JSON (the same as its table), so the page says
// everything without scripts too. Every .kaohe-forecast-chart on the page is drawn once.
(function () {
  "use strict";

  function draw(box) {
    if (box.dataset.drawn) { return; }
    var source = document.getElementById(box.dataset.source);
    if (!source) { return; }
    var d = JSON.parse(source.textContent);
    var years = d.history_years.concat(d.years);
    var pad = function (before, values) {
      var out = [];
      for (var i = 0; i < before; i++) { out.push(null); }
      return out.concat(values);
    };
    var h = d.history_years.length;
    // The forecast lines start at the last history year, so they join the history line.
    var joined = function (values) {
      var out = pad(h - 1, [d.history[h - 1]]);
      return out.concat(values);
    };
    var lower = pad(h, d.lower);
    var width = pad(h, d.upper.map(function (u, i) {
      return u === null || d.lower[i] === null ? null : u - d.lower[i];
    }));
    box.hidden = false;
    box.dataset.drawn = "1";
    var chart = echarts.init(box);
    chart.setOption({
      animation: false,
      tooltip: {trigger: "axis"},
      legend: {top: 0, data: [box.dataset.historyLabel, box.dataset.mediumLabel,
        box.dataset.lowLabel, box.dataset.highLabel, box.dataset.bandLabel, box.dataset.actualLabel]},
      grid: {left: 8, right: 24, top: 48, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: years.map(String), boundaryGap: false},
      yAxis: {type: "value", min: 0},
      series: [
        {name: "base", type: "line", data: lower, stack: "band", lineStyle: {opacity: 0},
          symbol: "none", tooltip: {show: false}, silent: true},
        {name: box.dataset.bandLabel, type: "line", data: width, stack: "band",
          lineStyle: {opacity: 0}, symbol: "none", itemStyle: {color: "#9ec5fe"},
          areaStyle: {color: "#9ec5fe", opacity: 0.5}},
        {name: box.dataset.historyLabel, type: "line", data: pad(0, d.history),
          itemStyle: {color: "#212529"}},
        {name: box.dataset.mediumLabel, type: "line", data: joined(d.medium),
          lineStyle: {type: "dashed"}, itemStyle: {color: "#0d6efd"}},
        {name: box.dataset.lowLabel, type: "line", data: joined(d.low), symbol: "none",
          lineStyle: {type: "dotted", width: 1}, itemStyle: {color: "#6c757d"}},
        {name: box.dataset.highLabel, type: "line", data: joined(d.high), symbol: "none",
          lineStyle: {type: "dotted", width: 1}, itemStyle: {color: "#dc3545"}},
        {name: box.dataset.actualLabel, type: "scatter", data: pad(h, d.actual),
          itemStyle: {color: "#198754"}, symbolSize: 9}
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".kaohe-forecast-chart").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
