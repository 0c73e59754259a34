import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { CoalescedLevel } from "./coalescedLevel";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("CoalescedLevel: the session database's writes, one batch per turn, as durable as before", () => {
  let dir: string;
  let raw: ClassicLevel<string, Buffer>;
  let coalesced: CoalescedLevel;
  let db: ClassicLevel<string, Buffer>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-coalesced-"));
    raw = new ClassicLevel<string, Buffer>(path.join(dir, "db"), { valueEncoding: "buffer" });
    await raw.open();
    coalesced = new CoalescedLevel(raw);
    db = coalesced.asDatabase();
  });

  afterEach(async () => {
    if (raw.status === "open") await raw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes made in one turn go as one batch, and each settles only once it is on disk", async () => {
    const writes = Array.from({ length: 50 }, (_, i) => db.put(`outgoing:c:${i}`, Buffer.from(`v${i}`)));
    writes.push(db.batch([{ type: "put", key: "subscriptions:c:a", value: Buffer.from("s") }]));
    const chained = db.batch();
    chained.put("will:c", Buffer.from("w"));
    writes.push(chained.write());
    let settled = 0;
    for (const w of writes) void w.then(() => settled++);
    assert.equal(await raw.get("outgoing:c:0"), undefined, "nothing is written before the turn ends");
    await Promise.all(writes);
    assert.equal(settled, writes.length);
    assert.deepEqual(coalesced.counters, { batches: 1, operations: 52, cachedReads: 0 });
    // Read from the database itself, not through the cache: it is on disk.
    assert.equal((await raw.get("outgoing:c:49"))?.toString(), "v49");
    assert.equal((await raw.get("subscriptions:c:a"))?.toString(), "s");
    assert.equal((await raw.get("will:c"))?.toString(), "w");
  });

  it("keeps the call order across turns and within one (put, delete, put again)", async () => {
    const first = db.put("outgoing:c:1", Buffer.from("one"));
    await nextTurn();
    const gone = db.del("outgoing:c:1");
    const again = db.put("outgoing:c:1", Buffer.from("two"));
    const other = db.put("outgoing:c:2", Buffer.from("x"));
    const otherGone = db.del("outgoing:c:2");
    await Promise.all([first, gone, again, other, otherGone]);
    assert.equal((await raw.get("outgoing:c:1"))?.toString(), "two");
    assert.equal(await raw.get("outgoing:c:2"), undefined);
    assert.ok(coalesced.counters.batches >= 2, "the second turn's writes came after the first batch");
  });

  it("reads a queued-message record this run wrote from memory, and its deletion at once", async () => {
    await db.put("outgoing-id:c:0000000000000007", Buffer.from("packet"), { valueEncoding: "buffer" });
    assert.equal((await db.get("outgoing-id:c:0000000000000007", { valueEncoding: "buffer" }))?.toString(), "packet");
    assert.equal(coalesced.counters.cachedReads, 1);
    const deleted = db.del("outgoing-id:c:0000000000000007");
    assert.equal(await db.get("outgoing-id:c:0000000000000007", { valueEncoding: "buffer" }), undefined, "deleted, though not yet on disk");
    await deleted;
    assert.equal(await raw.get("outgoing-id:c:0000000000000007"), undefined);
    // Other records (and other encodings) are read from the database, as written.
    await db.put("snapfleet:boots", "3", { valueEncoding: "utf8" });
    assert.equal(await db.get("snapfleet:boots", { valueEncoding: "utf8" }), "3");
    assert.equal(coalesced.counters.cachedReads, 2);
  });

  it("a clear comes after the writes before it, and the cache forgets what it removed", async () => {
    const puts = [db.put("outgoing:c:1", Buffer.from("a")), db.put("outgoing:d:1", Buffer.from("b"))];
    const cleared = db.clear({ gte: "outgoing:c:", lt: "outgoing:c;" });
    await Promise.all([...puts, cleared]);
    assert.equal(await db.get("outgoing:c:1"), undefined);
    assert.equal((await db.get("outgoing:d:1"))?.toString(), "b");
  });

  it("close writes what is still pending first", async () => {
    void db.put("outgoing:c:9", Buffer.from("last"));
    await db.close();
    const reopened = new ClassicLevel<string, Buffer>(path.join(dir, "db"), { valueEncoding: "buffer" });
    await reopened.open();
    try {
      assert.equal((await reopened.get("outgoing:c:9"))?.toString(), "last");
    } finally {
      await reopened.close();
    }
  });

  it("a batch that fails rejects each of its writes with LevelDB's error", async () => {
    await raw.close();
    const write = db.put("outgoing:c:1", Buffer.from("a"));
    await assert.rejects(write, /not open/i);
    assert.equal(await db.get("outgoing:c:1").catch(() => "unreadable"), "unreadable", "the cache dropped what was not written");
  });
});
