/* The plan's timeline drawn by vis-timeline (static/vendor/vis-timeline). Data comes from the page's
   json_script block "timeline-data" (reports/timeline.py). The page's table stays the version without
   JavaScript; once the chart is drawn the table is folded behind a button (and printed after the chart).

   Under the CSP (no 'unsafe-inline') nothing here writes HTML strings or style attributes: items are
   built as DOM nodes with textContent, and the progress and the extension are CSS custom properties set
   through element.style (CSSOM), read by static/css/timeline.css. */
(function () {
  "use strict";

  var node = document.getElementById("timeline-data");
  var container = document.getElementById("timeline-chart");
  if (!node || !container || !window.vis || !window.vis.Timeline) {
    return;
  }
  var data = JSON.parse(node.textContent);
  var labels = data.labels;
  var table = document.getElementById("timeline-table");
  var toggle = document.getElementById("timeline-toggle");
  var DAY = 24 * 60 * 60 * 1000;
  var lang = (document.documentElement.lang || "vi").slice(0, 2);

  function day(iso) {
    var parts = iso.split("-");
    return new Date(+parts[0], +parts[1] - 1, +parts[2]);
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (text) {
      el.textContent = text;
    }
    return el;
  }

  function describe(task) {
    var parts = [task.code + " " + task.title, labels.start + " " + task.start_text, labels.due + " " + task.due_text];
    if (task.original_due) {
      parts.push(labels.extended_from.replace("%(day)s", task.original_due_text));
    }
    parts.push(labels.progress + " " + task.progress + "% (" + task.status + ")");
    if (task.overdue) {
      parts.push(labels.overdue);
    } else if (task.at_risk) {
      parts.push(labels.at_risk);
    }
    return parts.join(" · ");
  }

  // The item's content: a link to the task, its code, progress and title; "Overdue" in words.
  function content(task) {
    var link = element("a", "timeline-item-link");
    link.href = task.url;
    link.title = describe(task);
    link.setAttribute("aria-label", describe(task));
    if (task.overdue) {
      link.appendChild(element("span", "timeline-mark timeline-mark-overdue", "⚠ " + labels.overdue));
    } else if (task.at_risk) {
      link.appendChild(element("span", "timeline-mark timeline-mark-at-risk", labels.at_risk));
    }
    link.appendChild(element("span", "timeline-item-label", task.code + " · " + task.progress + "% · " + task.title));
    return link;
  }

  var byId = {};
  data.items.forEach(function (task) {
    byId[String(task.id)] = task;
  });

  // The bar's look: the done share and where the extension starts, as custom properties of the item
  // (vis-timeline marks each item's box with data-id; it redraws boxes, so this runs on every change).
  function paint(box) {
    var task = byId[box.getAttribute("data-id")];
    if (!task || box.style.getPropertyValue("--timeline-done")) {
      return;
    }
    box.style.setProperty("--timeline-done", task.progress + "%");
    if (task.original_due) {
      var start = day(task.start).getTime();
      var end = day(task.end).getTime();
      var extensionStart = day(task.original_due).getTime() + DAY;
      box.style.setProperty("--timeline-extension", (100 * (end - extensionStart)) / (end - start) + "%");
    }
  }

  var groups = new vis.DataSet(
    data.groups.map(function (group) {
      return { id: group.id, content: group.content, order: group.order };
    })
  );
  var items = new vis.DataSet(
    data.items.map(function (task) {
      var classes = ["timeline-task"];
      if (task.overdue) classes.push("timeline-task-overdue");
      if (task.at_risk) classes.push("timeline-task-at-risk");
      if (task.original_due) classes.push("timeline-task-extended");
      return { id: task.id, group: task.group, start: day(task.start), end: day(task.end), className: classes.join(" "), task: task };
    })
  );

  var options = {
    locale: lang,
    locales: {},
    min: day(data.start),
    max: day(data.end),
    start: day(data.start),
    end: day(data.end),
    zoomMin: 14 * DAY,
    orientation: { axis: "top", item: "top" },
    stack: true,
    selectable: false,
    showCurrentTime: Boolean(data.today),
    margin: { item: { horizontal: 2, vertical: 4 } },
    groupOrder: "order",
    xss: { disabled: false },
    dataAttributes: ["id"],
    template: function (item) {
      return content(item.task);
    },
    groupTemplate: function (group) {
      return element("span", "timeline-group-label", group.content);
    },
  };
  options.locales[lang] = { current: labels.today, time: "", deleteSelected: "" };
  if (lang === "vi") {
    options.format = {
      minorLabels: { day: "D", week: "w", month: "[T]M", year: "YYYY" },
      majorLabels: { day: "[T]M/YYYY", week: "[T]M/YYYY", month: "YYYY", year: "" },
    };
  }

  container.hidden = false;
  var timeline = new vis.Timeline(container, items, groups, options);
  timeline.on("changed", function () {
    Array.prototype.forEach.call(container.querySelectorAll(".vis-item[data-id]"), paint);
  });
  if (data.today) {
    timeline.setCurrentTime(day(data.today).getTime() + DAY / 2);
  }

  // The table: folded behind a button once the chart is there; always printed after the chart.
  function showTable(show) {
    table.hidden = !show;
    toggle.setAttribute("aria-expanded", show ? "true" : "false");
    toggle.textContent = show ? labels.hide_table : labels.show_table;
  }
  if (table && toggle) {
    toggle.hidden = false;
    showTable(false);
    toggle.addEventListener("click", function () {
      showTable(table.hidden);
    });
  }
  window.addEventListener("beforeprint", function () {
    timeline.redraw();
  });
  window.addEventListener("afterprint", function () {
    timeline.redraw();
  });
})();
