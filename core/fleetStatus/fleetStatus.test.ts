import assert from "node:assert/strict";
import { encodeDeviceStatus, LAST_WILL_BOOT_ID, type DeviceStatus } from "../contracts/deviceStatus";
import { decodeFleetStatusPage, encodeFleetStatusPage } from "../contracts/fleetStatus";
import { FleetStatusTable, nextStatusRecord } from "./index";
import { segmentOf } from "./fleetStatusTable";

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

  describe("a status heard later but older by the device's clock and boot id", () => {
    // The record after `first`, then what `next` (heard later, at receivedAt 200) does to it.
    const after = (first: Partial<DeviceStatus>, next: Partial<DeviceStatus>) => {
      const shown = nextStatusRecord(undefined, "gh-1", status(first), 100);
      assert.equal(shown.kind, "put");
      const change = nextStatusRecord(shown.kind === "put" ? shown.record : undefined, "gh-1", status(next), 200);
      return change.kind === "put" ? { online: change.record.online, bootId: change.record.bootId, version: change.record.version } : change.kind;
    };

    it("same boot: an earlier t is older news; the same t goes by arrival", () => {
      assert.equal(after({ online: true, bootId: "b1", t: 50 }, { online: false, bootId: "b1", t: 49 }), "unchanged");
      assert.deepEqual(after({ online: true, bootId: "b1", t: 50 }, { online: false, bootId: "b1", t: 50 }), { online: false, bootId: "b1", version: "v1" });
      assert.deepEqual(after({ online: false, bootId: "b1", t: 50 }, { online: true, bootId: "b1", t: 51 }), { online: true, bootId: "b1", version: "v1" });
    });

    it("an older boot's offline (an app switch or rollback heard in the wrong order) never ends a newer boot's online, at the same millisecond neither", () => {
      assert.equal(after({ online: true, bootId: "new", t: 50, version: "v1" }, { online: false, bootId: "old", t: 49, version: "v2" }), "unchanged");
      assert.equal(after({ online: true, bootId: "new", t: 50 }, { online: false, bootId: "old", t: 50 }), "unchanged");
    });

    it("another boot's offline sent after the online we show counts (the device stopped)", () => {
      assert.deepEqual(after({ online: true, bootId: "b1", t: 50 }, { online: false, bootId: "b2", t: 51, version: "v2" }), { online: false, bootId: "b2", version: "v2" });
    });

    it("an offline over an offline, and another boot's online with an earlier t (a clock set back at reboot), go by arrival", () => {
      assert.deepEqual(after({ online: false, bootId: "b1", t: 50 }, { online: false, bootId: "b2", t: 10, version: "v2" }), { online: false, bootId: "b2", version: "v2" });
      assert.deepEqual(after({ online: true, bootId: "b1", t: 50 }, { online: true, bootId: "b2", t: 10, version: "v2" }), { online: true, bootId: "b2", version: "v2" });
    });

    it("a last will counts whatever its t (it is when the will was registered), and any status counts after one", () => {
      const will = { online: false, bootId: LAST_WILL_BOOT_ID, version: "", t: 5 };
      assert.deepEqual(after({ online: true, bootId: "b1", t: 50, version: "v1" }, will), { online: false, bootId: LAST_WILL_BOOT_ID, version: "v1" });
      assert.deepEqual(after(will, { online: true, bootId: "b1", t: 1, version: "v1" }), { online: true, bootId: "b1", version: "v1" });
      assert.deepEqual(after(will, { online: false, bootId: "b1", t: 1, version: "v1" }), { online: false, bootId: "b1", version: "v1" });
      assert.deepEqual(after({ ...will, t: 60 }, { ...will, t: 50 }), { online: false, bootId: LAST_WILL_BOOT_ID, version: "" });
    });

    it("the broker's receive order still comes first: a message it heard earlier loses whatever it says", () => {
      const shown = nextStatusRecord(undefined, "gh-1", status({ online: false, bootId: "b1", t: 50 }), 100);
      assert.equal(shown.kind === "put" && nextStatusRecord(shown.record, "gh-1", status({ online: true, bootId: "b2", t: 90 }), 99).kind, "unchanged");
    });
  });

  it("pages in name order and stays right when devices come and go between pages", async () => {
    const table = new FleetStatusTable();
    for (const name of ["d-5", "d-1", "d-3", "d-2", "d-4"]) table.apply(name, status(), 1);
    const first = await table.page(undefined, 2);
    assert.deepEqual([first.devices.map((d) => d.thing), first.next, first.order], [["d-1", "d-2"], "d-2", "thing"]);
    table.apply("d-0", status(), 2); // sorts before the cursor: not on later pages
    table.apply("d-3", "", 2); // removed
    table.apply("d-25", status(), 2); // new, after the cursor
    const second = await table.page(first.next, 2);
    assert.deepEqual([second.devices.map((d) => d.thing), second.next], [["d-25", "d-4"], "d-4"]);
    const last = await table.page(second.next, 2);
    assert.deepEqual([last.devices.map((d) => d.thing), last.next, last.order], [["d-5"], undefined, "thing"]);
    assert.equal(table.size, 6);
    assert.throws(() => table.apply("d-9", "not json", 3));
    assert.equal(table.get("d-9"), undefined);
  });

  it("lists one segment of the fleet at a time: disjoint segments that hold every device, each paged with its own cursor", async () => {
    const table = new FleetStatusTable();
    for (let i = 0; i < 500; i++) table.apply(`d-${i}`, status(), 1);
    const listSegment = async (index: number) => {
      const names: string[] = [];
      let after: string | undefined;
      do {
        const page = await table.page(after, 40, { index, count: 6 });
        names.push(...page.devices.map((d) => d.thing));
        after = page.next;
        // A device that comes meanwhile lands in one segment only, and a cursor stays valid.
        if (index === 0 && names.length === 40) table.apply("d-new", status(), 2);
      } while (after !== undefined);
      return names;
    };
    const segments = [];
    for (let i = 0; i < 6; i++) segments.push(await listSegment(i));
    const all = segments.flat();
    assert.equal(new Set(all).size, all.length, "no device in two segments");
    assert.equal(all.filter((n) => n !== "d-new").length, 500);
    for (const names of segments) assert.ok(names.length > 40 && names.length < 130, `segments of similar size: ${segments.map((s) => s.length)}`);
    for (const names of segments) assert.deepEqual(names, [...names].sort(), "each segment in name order");
  });

  it("a device first seen after a page was read is on the next read; one whose status arrives twice is listed once", async () => {
    const table = new FleetStatusTable();
    for (const name of ["d-1", "d-3"]) table.apply(name, status(), 1);
    assert.deepEqual((await table.page(undefined, 10)).devices.map((d) => d.thing), ["d-1", "d-3"]);
    table.apply("d-2", status(), 2);
    table.apply("d-3", status({ online: false }), 2);
    assert.deepEqual((await table.page(undefined, 10)).devices.map((d) => [d.thing, d.online]), [["d-1", true], ["d-2", true], ["d-3", false]]);
    assert.deepEqual((await table.page(undefined, 10, { index: 0, count: 1 })).devices.map((d) => d.thing), ["d-1", "d-2", "d-3"]);
  });

  it("a status older than the record, or one at the same millisecond, never removes a device; the same millisecond's later message wins", () => {
    const table = new FleetStatusTable();
    table.apply("d-1", status({ version: "v2" }), 100);
    table.apply("d-1", status({ version: "v1" }), 50);
    assert.equal(table.get("d-1")?.version, "v2");
    assert.equal(table.size, 1);
    table.apply("d-1", status({ online: false, version: "v3" }), 100);
    assert.deepEqual([table.get("d-1")?.online, table.get("d-1")?.version], [false, "v3"]);
  });

  it("a page that ends exactly at the last device has no next cursor; one device short of it has one", async () => {
    const table = new FleetStatusTable();
    for (const name of ["d-1", "d-2", "d-3"]) table.apply(name, status(), 1);
    assert.equal((await table.page(undefined, 3)).next, undefined);
    assert.equal((await table.page(undefined, 2)).next, "d-2");
    assert.equal((await table.page("d-1", 2)).next, undefined);
  });

  it("segments are FNV-1a of the thing name: a device's segment depends on its name alone, whoever else comes and goes", () => {
    // FNV-1a 32-bit test vectors: "a" 0xe40c292c, "foobar" 0xbf9cf968.
    assert.equal(segmentOf("a", 2 ** 32), 0xe40c292c);
    assert.equal(segmentOf("foobar", 2 ** 32), 0xbf9cf968);
    assert.equal(segmentOf("foobar", 6), 0xbf9cf968 % 6);
  });

  it("the dashboard refuses a malformed page, naming the field", () => {
    const wire = (change: object) => ({ thing: ["d-1", "d-2"], online: [1, 0], versions: ["v1", "v2"], version: [1, 0], bootId: ["a", "b"], t: [1, 2], receivedAt: [3, 4], ...change });
    assert.deepEqual(decodeFleetStatusPage(wire({ next: "d-2", order: "thing" })), {
      devices: [
        { thing: "d-1", online: true, version: "v2", bootId: "a", t: 1, receivedAt: 3 },
        { thing: "d-2", online: false, version: "v1", bootId: "b", t: 2, receivedAt: 4 },
      ],
      next: "d-2",
      order: "thing",
    });
    assert.throws(() => decodeFleetStatusPage(wire({ thing: ["d-1", "Bad_Name"] })), /device 1 \("Bad_Name"\): thing name "Bad_Name" is invalid/);
    assert.throws(() => decodeFleetStatusPage(wire({ online: [1, true] })), /device 1 \("d-2"\): online must be 1 or 0/);
    assert.throws(() => decodeFleetStatusPage(wire({ version: [0, 2] })), /device 1 \("d-2"\): version must index versions/);
    assert.throws(() => decodeFleetStatusPage(wire({ t: [1, "2"] })), /device 1 \("d-2"\): t and receivedAt must be numbers/);
    assert.throws(() => decodeFleetStatusPage(wire({ bootId: ["a"] })), /"bootId" must be an array of 2 \(one per thing\)/);
    assert.throws(() => decodeFleetStatusPage(wire({ versions: undefined })), /"versions" must be an array/);
    assert.throws(() => decodeFleetStatusPage(wire({ next: 3 })), /"next" must be a string/);
    assert.throws(() => decodeFleetStatusPage(wire({ order: "size" })), /"order" must be "thing" or absent, got "size"/);
    assert.throws(() => decodeFleetStatusPage({ devices: [] }), /expected \{"thing": \[...\]/);
    assert.throws(() => decodeFleetStatusPage([]), /a page of columns/);
  });

  it("sends a page as columns, each version named once, and reads back the same records", async () => {
    const table = new FleetStatusTable();
    for (let i = 0; i < 300; i++) table.apply(`d-${String(i).padStart(3, "0")}`, JSON.stringify({ online: i % 3 !== 0, version: i < 100 ? "a".repeat(40) : "b".repeat(40), bootId: `boot-${i}`, t: 1000 + i }), 5000 + i);
    const page = await table.page(undefined, 250);
    const wire = encodeFleetStatusPage(page);
    assert.deepEqual(wire.versions, ["a".repeat(40), "b".repeat(40)]);
    assert.equal(wire.thing.length, 250);
    assert.deepEqual(decodeFleetStatusPage(JSON.parse(JSON.stringify(wire))), page);
    const asObjects = JSON.stringify(page).length;
    const asColumns = JSON.stringify(wire).length;
    assert.ok(asColumns < asObjects / 2, `${asColumns} B as columns, ${asObjects} B as objects`);
  });
});
