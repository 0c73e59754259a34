import assert from "node:assert/strict";
import type { DeviceRow } from "../local/cloud/fleetMonitor";
import { FleetSummary } from "./fleetSummary";

const fleet = (n: number, row: (i: number) => Partial<DeviceRow>): DeviceRow[] =>
  Array.from({ length: n }, (_, i) => ({ thing: `sim-${i + 1}`, online: false, version: "", ...row(i) }));

describe("snapfleet dev's summary of a large fleet", () => {
  it("counts devices by state, version and OTA status, most frequent first, in a few lines whatever the size", () => {
    const rows = fleet(1000, (i) => ({ online: i % 100 !== 0, version: i < 990 ? "a".repeat(40) : "b".repeat(40), ota: i < 985 ? "SUCCEEDED" : i < 990 ? "FAILED: the new app failed and was rolled back" : "IN_PROGRESS downloading" }));
    const text = new FleetSummary().render(rows, 0);
    assert.equal(
      text,
      [
        "devices   1000: 990 online, 10 offline",
        `versions  ${"a".repeat(12)} 990, ${"b".repeat(12)} 10`,
        "ota       SUCCEEDED 985, IN_PROGRESS downloading 10, FAILED 5",
      ].join("\n"),
    );
  });

  it("lists the latest changes, newest first, with their age, and keeps only a few", () => {
    const summary = new FleetSummary();
    const rows = fleet(50, () => ({}));
    summary.render(rows, 0);
    rows[3].online = true;
    rows[3].version = "c".repeat(40);
    summary.render(rows, 1000);
    rows[7].ota = "FAILED: rolled back";
    const text = summary.render(rows, 3000);
    assert.match(text, /latest changes:\n {2}sim-8 +ota FAILED: rolled back {2}\(now\)\n {2}sim-4 +online {2}\(2 s ago\)\n {2}sim-4 +version cccccccccccc {2}\(2 s ago\)$/);
    for (const r of rows) r.online = true;
    const many = summary.render(rows, 4000).split("\n");
    assert.equal(many.length, 3 + 1 + 8, "the counts, the heading and 8 changes");
  });

  it("says so for an empty fleet", () => {
    assert.match(new FleetSummary().render([], 0), /^devices {3}0: 0 online, 0 offline/);
  });

  it("while the fleet starts, counts the devices starting and those waiting to, apart from the offline ones", () => {
    const rows = fleet(30, (i) => ({ online: i < 20 }));
    const starting = new Set(["sim-29", "sim-30", "sim-31"]);
    const text = new FleetSummary().render(rows, 0, { starting, waiting: 69 });
    assert.equal(text.split("\n")[0], "devices   100: 20 online, 8 offline, 3 starting, 69 waiting to start");
  });
});
