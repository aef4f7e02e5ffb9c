// Expands every series in iCalendar files with Mozilla's ical.js (Thunderbird's parser):
// paths as a JSON list on stdin; prints {path: [[uid, start epoch, end epoch, status], ...]},
// one row per occurrence, RECURRENCE-ID overrides related to their series as Thunderbird does.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;

const LIMIT = 2000; // occurrences per series: a bound on every loop
const result = {};
for (const path of JSON.parse(input)) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
  }
  const masters = new Map();
  const overrides = [];
  for (const vevent of root.getAllSubcomponents("vevent")) {
    if (vevent.hasProperty("recurrence-id")) overrides.push(vevent);
    else masters.set(vevent.getFirstPropertyValue("uid"), new ICAL.Event(vevent));
  }
  for (const vevent of overrides) {
    masters.get(vevent.getFirstPropertyValue("uid")).relateException(vevent);
  }
  const rows = [];
  for (const [uid, event] of masters) {
    if (!event.isRecurring()) {
      rows.push([uid, event.startDate.toUnixTime(), event.endDate.toUnixTime(),
                 event.component.getFirstPropertyValue("status")]);
      continue;
    }
    const iterator = event.iterator();
    for (let next = iterator.next(), n = 0; next && n < LIMIT; next = iterator.next(), n++) {
      const details = event.getOccurrenceDetails(next);
      rows.push([uid, details.startDate.toUnixTime(), details.endDate.toUnixTime(),
                 details.item.component.getFirstPropertyValue("status")]);
    }
  }
  result[path] = rows;
}
process.stdout.write(JSON.stringify(result));
