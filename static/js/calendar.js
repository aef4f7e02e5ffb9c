// The month calendar from the keyboard: arrow keys move between days (Home/End to the ends of
// a week), Page Up/Down to the previous/next month. Without this script every day's events
// and the month links are still reachable with Tab.
(function () {
  "use strict";
  var table = document.querySelector("table.calendar");
  if (!table) { return; }
  var cells = Array.prototype.slice.call(table.querySelectorAll("td.day"));
  if (!cells.length) { return; }
  var start = table.querySelector("td.today") || table.querySelector("td.day:not(.outside)");
  cells.forEach(function (cell) {
    cell.tabIndex = cell === start ? 0 : -1;
    var label = cell.querySelector(".day-label");
    if (label) { cell.setAttribute("aria-label", label.textContent); }
  });

  function move(from, to) {
    if (to < 0 || to >= cells.length) { return; }
    cells[from].tabIndex = -1;
    cells[to].tabIndex = 0;
    cells[to].focus();
  }

  table.addEventListener("keydown", function (event) {
    if (event.key === "PageUp" || event.key === "PageDown") {
      var link = document.querySelector(
        "[data-month-link=" + (event.key === "PageUp" ? "prev" : "next") + "]");
      if (link) { event.preventDefault(); window.location.href = link.href; }
      return;
    }
    var index = cells.indexOf(event.target);
    if (index === -1) {
      if (event.key === "Escape") {  // from an event link back to its day
        var cell = event.target.closest("td.day");
        if (cell) { cell.focus(); }
      }
      return;
    }
    var steps = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7,
                 Home: -(index % 7), End: 6 - (index % 7)};
    if (event.key in steps) {
      event.preventDefault();
      move(index, index + steps[event.key]);
    } else if (event.key === "Enter") {
      var first = event.target.querySelector("a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
})();
