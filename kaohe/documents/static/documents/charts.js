/* Charts of the dashboards, drawn from the tables already on the page.
 *
 * Every figure is in a table first, so the page says everything with scripts off; with them
 * on, each chart box (hidden until drawn) reads its table and draws it with the ECharts file
 * served from this site (never a CDN).
 *
 *   <div class="kaohe-chart" hidden data-chart="bar|hbar|line" data-source="TABLE-ID"
 *        [data-orient="rows"] [data-cap="458" data-cap-label="…"]></div>
 *
 * In the table, header cells with data-series name the value columns; each body row has
 * data-category (its label) and, per value column, a cell with data-v (a number, or empty
 * when missing). By default rows are categories and value columns are series; with
 * data-orient="rows" each row is a series over the value columns. A value column whose header
 * has data-type="line" is drawn as a line on a second axis; a row with data-color paints its
 * bars; data-cap draws a dashed line at that value (the birth plan's cap). A <details
 * data-collapse-when-drawn="CHART-ID"> around a long table is folded once its chart is drawn.
 */
(function () {
  "use strict";
  if (!window.echarts) { return; }

  function number(text) {
    if (text === undefined || text === null || text === "") { return null; }
    var value = Number(text);
    return isFinite(value) ? value : null;
  }

  function read(table, byRows) {
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th[data-series]"));
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-category]"));
    var cells = rows.map(function (tr) {
      return Array.prototype.slice.call(tr.querySelectorAll("[data-v]")).map(function (td) {
        return number(td.getAttribute("data-v"));
      });
    });
    if (byRows) {
      return {
        categories: heads.map(function (th) { return th.getAttribute("data-series"); }),
        series: rows.map(function (tr, i) {
          return {name: tr.getAttribute("data-category"), type: "line", data: cells[i],
                  connectNulls: false};
        })
      };
    }
    return {
      categories: rows.map(function (tr) { return tr.getAttribute("data-category"); }),
      colours: rows.map(function (tr) { return tr.getAttribute("data-color"); }),
      series: heads.map(function (th, j) {
        var line = th.getAttribute("data-type") === "line";
        return {
          name: th.getAttribute("data-series"),
          type: line ? "line" : "bar",
          yAxisIndex: line ? 1 : 0,
          data: cells.map(function (row) { return row[j]; })
        };
      })
    };
  }

  function draw(box) {
    var table = document.getElementById(box.getAttribute("data-source"));
    if (!table) { return; }
    var kind = box.getAttribute("data-chart") || "bar";
    var data = read(table, box.getAttribute("data-orient") === "rows");
    if (data.categories.length === 0 || data.series.length === 0) { return; }
    var horizontal = kind === "hbar";
    if (kind === "line") {
      data.series.forEach(function (s) { s.type = "line"; s.yAxisIndex = 0; });
    }
    var twoAxes = data.series.some(function (s) { return s.yAxisIndex === 1; });
    if (data.colours && data.series.length === 1) {
      data.series[0].data = data.series[0].data.map(function (v, i) {
        return data.colours[i] ? {value: v, itemStyle: {color: data.colours[i]}} : v;
      });
    }
    var cap = number(box.getAttribute("data-cap"));
    if (cap !== null) {
      var target = data.series.find(function (s) { return s.yAxisIndex === 1; }) || data.series[0];
      target.markLine = {
        symbol: "none", lineStyle: {type: "dashed", color: "#dc3545"},
        label: {position: "insideEndTop",
                formatter: (box.getAttribute("data-cap-label") || "") + " " + cap},
        data: [{yAxis: cap}]
      };
    }
    box.hidden = false;
    var height = horizontal ? data.categories.length * 26 + 80 : 320;
    box.style.height = height + "px";
    var category = {type: "category", data: data.categories, axisLabel: {interval: 0}};
    var values = [{type: "value", scale: kind === "line"}];
    if (twoAxes) { values.push({type: "value", splitLine: {show: false}}); }
    if (horizontal) {
      category.inverse = true;
      category.axisLabel = {width: 140, overflow: "truncate"};
    } else if (data.categories.length > 8) {
      category.axisLabel = {interval: 0, rotate: 40, width: 90, overflow: "truncate"};
    }
    var chart = echarts.init(box);
    chart.setOption({
      animation: false,
      tooltip: {trigger: "axis", axisPointer: {type: kind === "line" ? "line" : "shadow"}},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: twoAxes ? 48 : 24, top: 36, bottom: 8, containLabel: true},
      xAxis: horizontal ? values[0] : category,
      yAxis: horizontal ? category : values,
      series: data.series
    });
    box.setAttribute("data-drawn", "1");
    // A long table under a drawn chart folds away (one click opens it again).
    document.querySelectorAll('details[data-collapse-when-drawn="' + box.id + '"]')
      .forEach(function (details) { details.open = false; });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll(".kaohe-chart[data-chart][data-source]").forEach(draw);
})();
