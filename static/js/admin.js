// An image over the limit is refused beside its field, before anything is sent: the event's
// image, a speaker's photo, an organisation's logo.
(function () {
  "use strict";
  document.querySelectorAll("form[data-image-max]").forEach(function (form) {
    var image = form.querySelector('input[type="file"][name="image"]');
    var imageMax = Number(form.dataset.imageMax || 0);
    if (!image || !imageMax) { return; }
    var label = form.querySelector('label[for="' + image.id + '"]');
    var what = label ? label.textContent.trim() : "Image";
    image.addEventListener("change", function () {
      var old = document.getElementById("image-size-error");
      if (old) { old.remove(); }
      var file = image.files && image.files[0];
      if (!file || file.size <= imageMax) { return; }
      var error = document.createElement("p");
      error.className = "error";
      error.id = "image-size-error";
      error.textContent = what + " is too large (" + (file.size / 1048576).toFixed(1) +
        " MB): at most " + Math.floor(imageMax / 1048576) + " MB.";
      image.value = "";
      image.setAttribute("aria-invalid", "true");
      image.setAttribute("aria-describedby", "image-size-error");
      image.parentNode.appendChild(error);
    });
  });
})();

// The event form, improved where scripts run: "Add" buttons for more rows, rows moved in
// place, and the multi-zone line previewed as the organiser types. Without this script the
// form works the same way, with two empty rows per list, rows moved by sending the form back,
// and a "Preview" button.
(function () {
  "use strict";
  var form = document.getElementById("event-form");
  if (!form) { return; }

  // Rows are numbered in their names (speakers-2-name): the server keeps that order, so
  // after a move or a removal every row of the list is numbered again. Each row's Move up,
  // Move down and Remove buttons (which send the form back where no script runs) act in
  // place here.
  function renumber(list) {
    var rows = list.querySelectorAll("fieldset.row");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/-\d+-/g, "-" + index + "-")); }
        });
      });
      var legend = row.querySelector("legend");
      legend.textContent = legend.textContent.replace(/\d+$/, index + 1);
      row.querySelectorAll('button[name="move"]').forEach(function (button) {
        button.value = button.value.replace(/-\d+-/, "-" + index + "-");
        button.setAttribute("aria-label",
                            button.getAttribute("aria-label").replace(/\d+$/, index + 1));
        if (/-up$/.test(button.value)) { button.disabled = index === 0; }
        if (/-down$/.test(button.value)) { button.disabled = index === rows.length - 1; }
      });
    });
  }

  form.querySelectorAll("[data-rows]").forEach(function (list) {
    list.addEventListener("click", function (event) {
      var button = event.target.closest('button[name="move"]');
      if (!button) { return; }
      event.preventDefault();
      var row = button.closest("fieldset.row");
      var action = button.value.split("-").pop();
      var focusAfter = button;
      if (action === "remove") {
        var next = row.nextElementSibling || row.previousElementSibling;
        if (list.querySelectorAll("fieldset.row").length > 1) {
          row.remove();
        } else {
          row.querySelectorAll("input").forEach(function (el) { el.value = ""; });
          next = row;
        }
        focusAfter = next && next.querySelector("input");
      } else if (action === "up" && row.previousElementSibling) {
        list.insertBefore(row, row.previousElementSibling);
      } else if (action === "down" && row.nextElementSibling) {
        list.insertBefore(row.nextElementSibling, row);
      }
      renumber(list);
      if (focusAfter) {
        // A button disabled by the move (now first or last) cannot keep the focus.
        (focusAfter.disabled ? row.querySelector('button[name="move"]:not([disabled])')
                             : focusAfter).focus();
      }
    });
    renumber(list);
  });

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var list = form.querySelector('[data-rows="' + button.dataset.addRow + '"]');
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = list.querySelectorAll("fieldset.row");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (el) { el.value = ""; });
      copy.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
      copy.querySelectorAll(".error").forEach(function (el) { el.remove(); });
      list.appendChild(copy);
      renumber(list);
      copy.querySelector("input").focus();
    });
  });

  var output = document.getElementById("time-preview");
  var fields = ["date", "start_time", "timezone", "display_timezones"].map(function (id) {
    return document.getElementById(id);
  });
  var timer = null;
  function refresh() {
    var params = new URLSearchParams({
      date: fields[0].value, time: fields[1].value, timezone: fields[2].value,
      display: fields[3].value
    });
    var fold = form.querySelector('input[name="fold"]:checked');
    if (fold) { params.set("fold", fold.value); }
    fetch(form.dataset.previewUrl + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) { output.textContent = data.line || data.error || "—"; })
      .catch(function () { /* keep the last preview */ });
  }
  fields.forEach(function (input) {
    if (!input) { return; }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  });

  // Repeats: show the choices that apply, and preview the first dates with the multi-zone
  // line and the clock changes that touch them, as the organiser types.
  var repeats = document.getElementById("repeat-fields");
  var seriesBox = document.getElementById("series-preview");
  if (!repeats || !seriesBox) { return; }
  var select = form.querySelector('select[name="repeats"]');
  function show(selector, visible) {
    form.querySelectorAll(selector).forEach(function (el) {
      var box = el.closest(".field");
      if (box) { box.hidden = !visible; }
    });
  }
  function arrange() {
    var value = select.value;
    show('[name="repeat_interval"]', value !== "never" && value !== "custom");
    show('[name="repeat_days"]', value === "weekly");
    show('[name="monthly_by"]', value === "monthly");
    show('[name="custom_rule"]', value === "custom");
    show('[name="ends"], [name="ends_count"], [name="ends_on"]',
         value !== "never" && value !== "custom");
    show('[name="except_dates"]', value !== "never");
  }
  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text) { el.textContent = text; }
    if (className) { el.className = className; }
    return el;
  }
  var seriesTimer = null;
  function refreshSeries() {
    seriesBox.replaceChildren();
    if (select.value === "never") { return; }
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token") { params.append(name, value); }
    });
    fetch(form.dataset.seriesPreviewUrl + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        seriesBox.replaceChildren();
        var found = data.series;
        if (!found) {
          var why = data.series_error || data.error;
          if (why) { seriesBox.appendChild(element("p", why, "error")); }
          return;
        }
        var head = element("p");
        head.appendChild(element("strong", "Repeats: "));
        head.appendChild(element("span", found.rhythm));
        head.appendChild(element("span", " (" + found.total + " dates)", "muted"));
        seriesBox.appendChild(head);
        var list = element("ol", "", "date-list");
        found.dates.forEach(function (item) {
          list.appendChild(element("li", item.date + ": " + item.line));
        });
        seriesBox.appendChild(list);
        if (found.warnings.length) {
          var box = element("div", "", "clock-warnings");
          box.setAttribute("role", "note");
          box.appendChild(element("p")).appendChild(element("strong", "Clock changes:"));
          var warnings = element("ul");
          found.warnings.forEach(function (text) { warnings.appendChild(element("li", text)); });
          box.appendChild(warnings);
          seriesBox.appendChild(box);
        }
      })
      .catch(function () { /* keep the last preview */ });
  }
  var when = repeats.closest("fieldset").parentElement.closest("fieldset") || form;
  when.addEventListener("input", function () {
    clearTimeout(seriesTimer);
    seriesTimer = setTimeout(refreshSeries, 300);
  });
  when.addEventListener("change", function () {
    arrange();
    clearTimeout(seriesTimer);
    seriesTimer = setTimeout(refreshSeries, 300);
  });
  arrange();
})();
