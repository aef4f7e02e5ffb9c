// Reads many iCalendar files in one process with Mozilla's ical.js (Thunderbird's parser):
// paths as a JSON list on stdin; prints {path: [[uid, start epoch, end epoch], ...]}.
// Each file's own VTIMEZONEs are registered before its events are read, as a client
// subscribing to that one calendar would.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;

const result = {};
for (const path of JSON.parse(input)) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
  }
  result[path] = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return [event.uid, event.startDate.toUnixTime(), event.endDate.toUnixTime()];
  });
}
process.stdout.write(JSON.stringify(result));
