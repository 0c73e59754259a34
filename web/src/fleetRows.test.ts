import assert from "node:assert/strict";
import { LAST_WILL_BOOT_ID } from "../../core/contracts/deviceStatus";
import { appendLog, applyStatus, formatCount, LOG_LINES_PER_DEVICE, newRow, queryRows, type DeviceRow, type FleetQuery } from "./fleetRows";

const row = (thing: string, fields: Partial<DeviceRow> & { temperature?: number | string } = {}): DeviceRow => {
  const r = { ...newRow(thing), ...fields };
  if (fields.temperature !== undefined) r.values = new Map([["temperature", { value: fields.temperature, t: 1 }]]);
  return r;
};
const query = (q: Partial<FleetQuery> = {}): FleetQuery => ({ search: "", filter: "all", sort: "thing", descending: false, channel: "temperature", currentVersion: "v2", ...q });
const names = (rows: DeviceRow[]) => rows.map((r) => r.thing);

describe("fleet view rows: search, filter, sort", () => {
  it("writes counts with thousands separators, as toLocaleString(\"en\") does", () => {
    for (const n of [0, 7, 999, 1000, 10000, 123456, 1234567]) assert.equal(formatCount(n), n.toLocaleString("en"));
  });

  const rows = [
    row("gh-3", { online: true, version: "v2", ota: "SUCCEEDED", lastSeen: 30, temperature: 21.5 }),
    row("gh-1", { online: false, version: "v1", ota: "FAILED", lastSeen: 10, temperature: 19 }),
    row("gh-2", { online: true, version: "v2", ota: "IN_PROGRESS downloading", lastSeen: 20 }),
    row("tank-1", { online: true, version: "v1", ota: "QUEUED", lastSeen: 40, temperature: 25 }),
  ];

  it("searches names and version prefixes, case-insensitively", () => {
    assert.deepEqual(names(queryRows(rows, query({ search: "GH-" }))), ["gh-1", "gh-2", "gh-3"]);
    assert.deepEqual(names(queryRows(rows, query({ search: "v1" }))), ["gh-1", "tank-1"]);
    assert.deepEqual(names(queryRows(rows, query({ search: "nothing" }))), []);
  });

  it("filters by link, OTA state (its first word) and version", () => {
    assert.deepEqual(names(queryRows(rows, query({ filter: "offline" }))), ["gh-1"]);
    assert.deepEqual(names(queryRows(rows, query({ filter: "updating" }))), ["gh-2", "tank-1"]);
    assert.deepEqual(names(queryRows(rows, query({ filter: "failed" }))), ["gh-1"]);
    assert.deepEqual(names(queryRows(rows, query({ filter: "outdated" }))), ["gh-1", "tank-1"]);
  });

  it("sorts by any column, ties by name; devices without a value stay last in both directions", () => {
    assert.deepEqual(names(queryRows(rows, query({ sort: "thing", descending: true }))), ["tank-1", "gh-3", "gh-2", "gh-1"]);
    assert.deepEqual(names(queryRows(rows, query({ sort: "value" }))), ["gh-1", "gh-3", "tank-1", "gh-2"]);
    assert.deepEqual(names(queryRows(rows, query({ sort: "value", descending: true }))), ["tank-1", "gh-3", "gh-1", "gh-2"]);
    assert.deepEqual(names(queryRows(rows, query({ sort: "lastSeen" }))), ["tank-1", "gh-3", "gh-2", "gh-1"], "most recent first");
    assert.deepEqual(names(queryRows(rows, query({ sort: "online" }))), ["gh-2", "gh-3", "tank-1", "gh-1"], "online first, then by name");
    // Text and numbers mixed: numbers compare as numbers, the rest as text.
    const mixed = [row("a", { temperature: "high" }), row("b", { temperature: 9 }), row("c", { temperature: 10 })];
    assert.deepEqual(names(queryRows(mixed, query({ sort: "value" }))).slice(0, 2), ["b", "c"]);
  });

  it("a status heard late that is older news leaves the row as it was: an old boot's offline after the new boot's online", () => {
    const r = newRow("gh-1");
    assert.equal(applyStatus(r, { online: true, version: "v2", bootId: "new", t: 50 }, 1000), true);
    assert.equal(applyStatus(r, { online: false, version: "v1", bootId: "old", t: 49 }, 2000), false);
    assert.deepEqual([r.online, r.version, r.bootId, r.statusT, r.lastSeen], [true, "v2", "new", 50, 1000]);
    // A last will counts, and keeps the version known.
    assert.equal(applyStatus(r, { online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 10 }, 3000), true);
    assert.deepEqual([r.online, r.version, r.bootId], [false, "v2", LAST_WILL_BOOT_ID]);
  });

  it("keeps at most the last LOG_LINES_PER_DEVICE log lines", () => {
    const r = newRow("gh-1");
    for (let i = 0; i < LOG_LINES_PER_DEVICE + 25; i++) appendLog(r, i, `line ${i}`);
    assert.equal(r.logs.length, LOG_LINES_PER_DEVICE);
    assert.equal(r.logs[0].text, "line 25");
    assert.equal(r.logs[r.logs.length - 1].text, `line ${LOG_LINES_PER_DEVICE + 24}`);
  });
});
