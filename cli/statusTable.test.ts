import assert from "node:assert/strict";
import type { DeviceRow } from "../local/cloud/fleetMonitor";
import { statusTable } from "./statusTable";

describe("snapfleet dev's table while its fleet starts", () => {
  it("says starting for a device whose start is under way, listed or not yet, and how many wait", () => {
    const rows: DeviceRow[] = [
      { thing: "sim-1", online: true, version: "a".repeat(64), ota: "SUCCEEDED" },
      { thing: "sim-2", online: false, version: "" },
    ];
    const text = statusTable(rows, 0, { starting: new Set(["sim-2", "sim-3"]), waiting: 4 });
    const lines = text.split("\n");
    assert.match(lines[2], /^sim-1 +yes +aaaaaaaaaaaa +SUCCEEDED +-$/);
    assert.match(lines[3], /^sim-2 +starting +- +- +-$/);
    // Held up before it joined the fleet: no monitor row yet, still shown.
    assert.match(lines[4], /^sim-3 +starting +- +- +-$/);
    assert.equal(lines[5], "(4 more waiting to start)");
    assert.equal(lines.length, 6);
  });

  it("is the plain table once the start is over", () => {
    const text = statusTable([{ thing: "sim-1", online: false, version: "" }], 0);
    assert.match(text.split("\n")[2], /^sim-1 +no +- +- +-$/);
    assert.equal(text.split("\n").length, 3);
  });
});
