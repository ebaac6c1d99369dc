/* Draw every chart on the page: each <div data-chart="ID"> gets the ECharts option stored as
   JSON in <script type="application/json" id="ID">. Charts follow the window's size. */
(function () {
  "use strict";
  function drawAll() {
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || el.getAttribute("data-drawn")) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      var option = JSON.parse(source.textContent);
      option.animation = false;
      chart.setOption(option);
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
