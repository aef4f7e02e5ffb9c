// The visitor's own time. Adds "Your time: ..." under each event time when the zone the
// visitor reads times in shows a different wall time from every zone already listed, and a
// "Show times in" chooser, remembered in this browser (localStorage), on every page that
// shows times. The calendar is re-drawn by the server for the chosen zone (?tz=).
// The page is complete without this script; the server-rendered line never changes, and the
// choice never reaches the server except as the calendar's ?tz=, so cached pages stay shared.
(function () {
  "use strict";
  var KEY = "eventsite.zone";
  var days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var months = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"];

  // ICU (and so Intl) still names some zones by their old IANA names.
  var MODERN = {"Asia/Calcutta": "Asia/Kolkata", "Asia/Saigon": "Asia/Ho_Chi_Minh",
                "Asia/Katmandu": "Asia/Kathmandu", "Europe/Kiev": "Europe/Kyiv",
                "Asia/Rangoon": "Asia/Yangon", "America/Godthab": "America/Nuuk",
                "Atlantic/Faeroe": "Atlantic/Faroe", "America/Buenos_Aires":
                "America/Argentina/Buenos_Aires", "Pacific/Truk": "Pacific/Chuuk",
                "Pacific/Ponape": "Pacific/Pohnpei", "Pacific/Enderbury": "Pacific/Kanton"};
  function modern(name) { return MODERN[name] || name; }

  function isZone(name) {
    if (!name) { return false; }
    try { new Intl.DateTimeFormat("en", {timeZone: name}); return true; } catch (e) { return false; }
  }
  function browserZone() {
    try { return modern(Intl.DateTimeFormat().resolvedOptions().timeZone) || "UTC"; } catch (e) { return "UTC"; }
  }
  function stored() {
    try { var name = window.localStorage.getItem(KEY); return isZone(name) ? name : null; } catch (e) { return null; }
  }
  function remember(name) {
    try {
      if (name) { window.localStorage.setItem(KEY, name); } else { window.localStorage.removeItem(KEY); }
    } catch (e) { /* private mode: the choice lasts for this page */ }
  }
  function chosenZone() { return stored() || browserZone(); }

  // The wall time of an instant in a zone, as numbers (no locale-dependent text).
  var formats = {};
  function wall(instant, zone) {
    var format = formats[zone] || (formats[zone] = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", weekday: "short"}));
    var parts = {};
    format.formatToParts(instant).forEach(function (part) { parts[part.type] = part.value; });
    var y = +parts.year, mo = +parts.month, d = +parts.day, h = +parts.hour % 24, mi = +parts.minute;
    var offset = Math.round((Date.UTC(y, mo - 1, d, h, mi) - Math.floor(instant / 60000) * 60000) / 60000);
    return {year: y, month: mo, day: d, hour: h, minute: mi, offset: offset,
            weekday: new Date(Date.UTC(y, mo - 1, d)).getUTCDay()};
  }

  // "Asia/Tokyo" -> "Tokyo", "America/Argentina/Buenos_Aires" -> "Buenos Aires".
  function place(zone) { return zone.split("/").pop().replace(/_/g, " "); }

  function clock(w) {
    return (w.hour % 12 || 12) + (w.minute ? ":" + String(w.minute).padStart(2, "0") : "") +
      (w.hour < 12 ? "am" : "pm");
  }

  function showYourTimes(zone) {
    document.querySelectorAll(".your-time").forEach(function (el) { el.remove(); });
    document.querySelectorAll("time[data-offsets]").forEach(function (el) {
      var instant = new Date(el.getAttribute("datetime"));
      if (isNaN(instant)) { return; }
      var w = wall(instant, zone);
      var shown = el.getAttribute("data-offsets").split(",").map(Number);
      if (shown.indexOf(w.offset) !== -1) { return; }
      var note = document.createElement("span");
      note.className = "your-time";
      note.textContent = "Your time: " + clock(w) + ", " + days[w.weekday] + " " + w.day + " " +
        months[w.month - 1] + " (" + place(zone) + ")";
      el.parentNode.appendChild(note);
    });
  }

  // The registration form's "Your time zone": the zone this visitor reads times in, unless
  // they typed one (the server's default is the event's zone; without this script it stays).
  document.querySelectorAll("input[data-visitor-zone]").forEach(function (input) {
    if (input.value === input.defaultValue && isZone(chosenZone())) { input.value = chosenZone(); }
  });

  // The calendar: days belong to a zone, so the server draws them; ask for the chosen one.
  var calendarForm = document.querySelector("form[data-calendar-zone]");
  function showCalendarIn(zone, replace) {
    var url = new URL(window.location.href);
    if (url.searchParams.get("tz") === zone) { return; }
    url.searchParams.set("tz", zone);
    if (replace) { window.location.replace(url.href); } else { window.location.assign(url.href); }
  }
  if (calendarForm) {
    var explicit = new URL(window.location.href).searchParams.get("tz");
    if (!explicit && chosenZone() !== calendarForm.getAttribute("data-calendar-zone")) {
      showCalendarIn(chosenZone(), true);
      return;
    }
    calendarForm.addEventListener("submit", function () {
      var select = calendarForm.querySelector("select[name=tz]");
      if (select) { remember(select.value === browserZone() ? null : select.value); }
    });
  }

  function addChooser(zone) {
    var main = document.getElementById("main");
    if (!main || !(calendarForm || document.querySelector("time[data-offsets]"))) { return; }
    var names = [];
    try { names = Intl.supportedValuesOf("timeZone").map(modern); } catch (e) { names = []; }
    if (names.indexOf(zone) === -1) { names = names.concat([zone]); }
    names.sort();
    var box = document.createElement("div");
    box.className = "zone-chooser";
    var label = document.createElement("label");
    label.htmlFor = "zone-chooser";
    label.textContent = "Show times in:";
    var select = document.createElement("select");
    select.id = "zone-chooser";
    var auto = document.createElement("option");
    auto.value = "";
    auto.textContent = "My device's zone (" + browserZone().replace(/_/g, " ") + ")";
    select.appendChild(auto);
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name.replace(/_/g, " ");
      select.appendChild(option);
    });
    select.value = stored() || "";
    select.addEventListener("change", function () {
      remember(select.value || null);
      var now = chosenZone();
      if (calendarForm) { showCalendarIn(now, false); } else { showYourTimes(now); }
    });
    box.appendChild(label);
    box.appendChild(select);
    main.insertBefore(box, main.firstChild);
  }

  showYourTimes(chosenZone());
  addChooser(chosenZone());
})();
