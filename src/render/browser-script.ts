/**
 * The small scripts that run in the notebook page. They are plain ES5 text (no imports, no
 * build step) because Jupyter runs them by evaluating the `<script>` elements of an output.
 */

/**
 * Waits until both `window.Plotly` and the figure's element exist (the classic Notebook runs an
 * output's scripts before attaching it to the page; a later figure may run before the library
 * output on page load), then draws. Gives up after 30 s with a visible message.
 * Expects in scope: `id` (element id), `fig` ({data, layout, config}), `table` (controls or null).
 */
export const DRAW_SCRIPT = `
var started = Date.now();
(function wait() {
  var gd = document.getElementById(id);
  if (gd && window.Plotly) return draw(gd);
  if (Date.now() - started > 30000) {
    if (gd) gd.textContent = "tunelab: plotly.js is not loaded in this page. Re-run the cell, or render again with a reset embedding so that the library is embedded.";
    return;
  }
  setTimeout(wait, 40);
})();
function draw(gd) {
  gd.textContent = "";
  var drawn = window.Plotly.newPlot(gd, fig.data, fig.layout, fig.config);
  if (table) drawn.then(function () { makeSortable(gd, table); });
}`;

/**
 * Click-to-sort headers and a state filter for a Plotly table trace. Sorting uses the raw
 * `sortKeys` (numbers numerically, text naturally, empty cells last); clicking the sorted column
 * again reverses it. Rows keep their colours (the best trial's highlight moves with its row).
 */
export const TABLE_SCRIPT = `
function makeSortable(gd, table) {
  var trace = gd.data[0];
  var base = {
    values: trace.cells.values,
    fill: trace.cells.fill && trace.cells.fill.color,
    font: trace.cells.font && trace.cells.font.color,
    header: trace.header.values
  };
  var rowCount = base.values.length ? base.values[0].length : 0;
  var view = { column: -1, ascending: true, state: "" };
  var filter = document.getElementById(id + "-filter");
  if (filter) filter.onchange = function () { view.state = filter.value; apply(); };
  function compare(a, b) {
    if (a === b) return 0;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }
  function pick(column, rows) {
    return Array.isArray(column) ? rows.map(function (r) { return column[r]; }) : column;
  }
  function permute(grid, rows) {
    return Array.isArray(grid) ? grid.map(function (column) { return pick(column, rows); }) : grid;
  }
  function apply() {
    var rows = [];
    for (var r = 0; r < rowCount; r++) {
      if (!view.state || table.sortKeys[table.stateColumn][r] === view.state) rows.push(r);
    }
    if (view.column >= 0) {
      var keys = table.sortKeys[view.column];
      rows.sort(function (a, b) {
        var ka = keys[a], kb = keys[b];
        if (ka === null || kb === null) return ka === kb ? a - b : ka === null ? 1 : -1;
        var d = compare(ka, kb);
        return (view.ascending ? d : -d) || a - b;
      });
    }
    var header = base.header.map(function (h, i) {
      return i === view.column ? h + (view.ascending ? "\\u00A0\\u25B2" : "\\u00A0\\u25BC") : h;
    });
    var update = { "cells.values": [permute(base.values, rows)], "header.values": [header] };
    if (base.fill) update["cells.fill.color"] = [permute(base.fill, rows)];
    if (base.font) update["cells.font.color"] = [permute(base.font, rows)];
    window.Plotly.restyle(gd, update, [0]);
    gd.setAttribute("data-sort", view.column < 0 ? "" : view.column + (view.ascending ? ":asc" : ":desc"));
  }
  // A header press that ends as a release within a few pixels is a click (a drag reorders
  // columns). "click" itself is unreliable here: Plotly re-inserts the pressed column while
  // dragging, and the browser then often sends no click at all.
  var press = null;
  gd.addEventListener("pointerdown", function (event) {
    var target = event.target;
    var block = target && target.closest ? target.closest(".column-block") : null;
    var column = block && block.id === "header" ? target.closest(".y-column") : null;
    if (!column) { press = null; return; }
    var datum = column.__data__;
    var index = datum && typeof datum.specIndex === "number"
      ? datum.specIndex
      : Array.prototype.indexOf.call(column.parentNode.children, column);
    press = { x: event.clientX, y: event.clientY, index: index };
  }, true);
  window.addEventListener("pointerup", function (event) {
    var pressed = press;
    press = null;
    if (!pressed || Math.abs(event.clientX - pressed.x) + Math.abs(event.clientY - pressed.y) > 5) return;
    if (pressed.index === view.column) view.ascending = !view.ascending;
    else { view.column = pressed.index; view.ascending = true; }
    apply();
  }, true);
}`;
