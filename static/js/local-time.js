// Adds "Your time: ..." under each event time when the visitor's own zone shows a different
// wall time from every zone already listed. The page is complete without this script.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  var days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  // "Asia/Tokyo" -> "Tokyo", "America/Argentina/Buenos_Aires" -> "Buenos Aires".
  var place = zone.split("/").pop().replace(/_/g, " ");
  var months = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"];

  function clock(date) {
    var h = date.getHours(), m = date.getMinutes();
    return (h % 12 || 12) + (m ? ":" + String(m).padStart(2, "0") : "") + (h < 12 ? "am" : "pm");
  }

  document.querySelectorAll("time[data-offsets]").forEach(function (el) {
    var instant = new Date(el.getAttribute("datetime"));
    if (isNaN(instant)) { return; }
    var mine = -instant.getTimezoneOffset();
    var shown = el.getAttribute("data-offsets").split(",").map(Number);
    if (shown.indexOf(mine) !== -1) { return; }
    var note = document.createElement("span");
    note.className = "your-time";
    note.textContent = "Your time: " + clock(instant) + ", " + days[instant.getDay()] + " " +
      instant.getDate() + " " + months[instant.getMonth()] + " (" + place + ")";
    el.parentNode.appendChild(note);
  });
})();
