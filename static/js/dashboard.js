/* Dashboard charts (Chart.js). Data comes from the page's json_script blocks
   "dashboard-data" (same object as /dashboard/data.json) and "dashboard-labels"
   (translated labels). Every chart has a table alternative in the page. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var data = readJson("dashboard-data");
  var labels = readJson("dashboard-labels");
  if (!data || !labels || typeof window.Chart === "undefined") {
    return;
  }

  var COLORS = {
    not_started: "#adb5bd",
    in_progress: "#0b5cad",
    on_hold: "#f0ad4e",
    completed: "#2e8b57",
    cancelled: "#6c3483",
  };
  var font = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.family = font;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#343a40";
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function statusValue(row, key) {
    return key === "completed" ? row.completed_on_time + row.completed_late : row[key];
  }

  function statusDatasets(rows) {
    return labels.statuses.map(function (status) {
      return {
        label: status.label,
        data: rows.map(function (row) { return statusValue(row, status.key); }),
        backgroundColor: COLORS[status.key],
        maxBarThickness: 28,
        stack: "status",
      };
    });
  }

  function stackedBar(canvasId, rows, axisLabels, titles) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !rows.length) {
      return;
    }
    // Horizontal bars: long Vietnamese names stay readable on a phone too.
    canvas.parentNode.style.setProperty("--dash-rows", String(rows.length));
    return new Chart(canvas, {
      type: "bar",
      data: { labels: axisLabels, datasets: statusDatasets(rows) },
      options: {
        indexAxis: "y",
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: labels.tasks } },
          y: { stacked: true, ticks: { autoSkip: false } },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { title: function (items) { return titles[items[0].dataIndex]; } } },
        },
      },
    });
  }

  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  stackedBar(
    "chart-units",
    data.by_unit,
    data.by_unit.map(function (row) { return row.unit; }),
    data.by_unit.map(function (row) { return row.unit + " – " + row.name; })
  );
  stackedBar(
    "chart-fields",
    data.by_field,
    data.by_field.map(function (row) { return shorten(row.label, 24); }),
    data.by_field.map(function (row) { return row.label; })
  );

  // One axis, in percent: completed and due as shares of the plan's tasks (cancelled ones aside),
  // beside the average progress; the counts are in the tooltip and the table.
  var burnup = document.getElementById("chart-burnup");
  if (burnup && data.burnup.length) {
    var base = Math.max(data.counts.total - data.counts.cancelled, 1);
    var share = function (n) { return Math.round(1000 * n / base) / 10; };
    new Chart(burnup, {
      type: "line",
      data: {
        labels: data.burnup.map(function (w) { return w.week.slice(5); }),
        datasets: [
          { label: labels.completed, data: data.burnup.map(function (w) { return share(w.completed); }),
            borderColor: COLORS.completed, backgroundColor: "rgba(46,139,87,.15)", fill: true, pointRadius: 0, tension: 0.2 },
          { label: labels.due, data: data.burnup.map(function (w) { return share(w.due); }),
            borderColor: "#c8102e", borderDash: [6, 4], pointRadius: 0, stepped: true },
          { label: labels.average_progress, data: data.burnup.map(function (w) { return w.average_progress; }),
            borderColor: COLORS.in_progress, pointRadius: 0, tension: 0.2 },
        ],
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkipPadding: 8 } },
          y: { min: 0, max: 100, title: { display: true, text: labels.percent } },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: {
            title: function (items) {
              var w = data.burnup[items[0].dataIndex];
              return w.week + " (" + w.start + " – " + w.end + ")";
            },
            label: function (item) {
              var w = data.burnup[item.dataIndex];
              var count = [w.completed, w.due][item.datasetIndex];
              var text = item.dataset.label + ": " + item.formattedValue + "%";
              return count === undefined ? text :
                text + " – " + labels.of_tasks.replace("%(count)s", count).replace("%(total)s", base);
            },
          } },
        },
      },
    });
  }
})();
