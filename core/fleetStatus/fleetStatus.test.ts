import assert from "node:assert/strict";
import { encodeDeviceStatus, type DeviceStatus } from "../contracts/deviceStatus";
import { decodeFleetStatusPage } from "../contracts/fleetStatus";
import { FleetStatusTable, nextStatusRecord } from "./index";

const status = (s: Partial<DeviceStatus> = {}) => encodeDeviceStatus({ online: true, version: "v1", bootId: "b1", t: 1, ...s });

describe("fleet status records", () => {
  it("a last will keeps the known version; an older message loses; an empty one deletes; a malformed one throws", () => {
    const first = nextStatusRecord(undefined, "gh-1", status({ version: "abc" }), 100);
    assert.equal(first.kind, "put");
    const record = first.kind === "put" ? first.record : undefined;
    assert.deepEqual(nextStatusRecord(record, "gh-1", status({ online: false, version: "" }), 200), { kind: "put", record: { thing: "gh-1", online: false, version: "abc", bootId: "b1", t: 1, receivedAt: 200 } });
    assert.deepEqual(nextStatusRecord(record, "gh-1", status({ online: false }), 50), { kind: "unchanged" });
    assert.deepEqual(nextStatusRecord(record, "gh-1", "", 300), { kind: "delete" });
    assert.deepEqual(nextStatusRecord(undefined, "gh-1", "", 300), { kind: "unchanged" });
    assert.throws(() => nextStatusRecord(record, "gh-1", '{"online":1}', 400), /online must be a boolean/);
  });

  it("pages in name order and stays right when devices come and go between pages", async () => {
    const table = new FleetStatusTable();
    for (const name of ["d-5", "d-1", "d-3", "d-2", "d-4"]) table.apply(name, status(), 1);
    const first = await table.page(undefined, 2);
    assert.deepEqual([first.devices.map((d) => d.thing), first.next], [["d-1", "d-2"], "d-2"]);
    table.apply("d-0", status(), 2); // sorts before the cursor: not on later pages
    table.apply("d-3", "", 2); // removed
    table.apply("d-25", status(), 2); // new, after the cursor
    const second = await table.page(first.next, 2);
    assert.deepEqual([second.devices.map((d) => d.thing), second.next], [["d-25", "d-4"], "d-4"]);
    const last = await table.page(second.next, 2);
    assert.deepEqual([last.devices.map((d) => d.thing), last.next], [["d-5"], undefined]);
    assert.equal(table.size, 6);
    assert.throws(() => table.apply("d-9", "not json", 3));
    assert.equal(table.get("d-9"), undefined);
  });

  it("the dashboard refuses a malformed page, naming the field", () => {
    assert.throws(() => decodeFleetStatusPage({ devices: [{ thing: "Bad_Name", online: true, version: "", bootId: "", t: 0, receivedAt: 0 }] }), /devices\[0\]: thing name "Bad_Name" is invalid/);
    assert.throws(() => decodeFleetStatusPage({ devices: [], next: 3 }), /"next" must be a string/);
    assert.throws(() => decodeFleetStatusPage([]), /expected \{"devices"/);
  });
});
