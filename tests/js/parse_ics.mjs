// Reads an iCalendar file on stdin and prints what Thunderbird's parser makes of it, as JSON:
// the calendar's properties and, for each VEVENT, its fields with start and end in UTC.
import ICAL from "ical.js";

let text = "";
for await (const chunk of process.stdin) text += chunk;

const root = new ICAL.Component(ICAL.parse(text));
// Register the file's own VTIMEZONEs, as a calendar client does (no built-in zone data).
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const utc = (time) => time.convertToZone(ICAL.Timezone.utcTimezone).toString();
const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    tzid: vevent.getFirstProperty("dtstart").getParameter("tzid"),
    start_utc: utc(event.startDate),
    end_utc: utc(event.endDate),
    categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues()),
    url: vevent.getFirstPropertyValue("url"),
    organizer: vevent.getFirstPropertyValue("organizer"),
    attendees: vevent.getAllProperties("attendee").map((p) => p.getFirstValue()),
    attendee_names: vevent.getAllProperties("attendee").map((p) => p.getParameter("cn")),
  };
});
console.log(JSON.stringify({
  method: root.getFirstPropertyValue("method"),
  name: root.getFirstPropertyValue("x-wr-calname"),
  timezones: root.getAllSubcomponents("vtimezone").map((tz) => tz.getFirstPropertyValue("tzid")),
  events,
}));
