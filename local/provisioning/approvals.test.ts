/** The SQLite approvals store: single-use approvals (approved → joined in one statement, also when
 * two processes share the file) and the migration of a database made before `joined` existed. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openLocalDatabase, type LocalDatabase } from "../database/localDatabase";
import { ApprovalStore } from "./approvals";

describe("approvals store (SQLite)", () => {
  let stateDir: string;
  const opened: LocalDatabase[] = [];
  const open = () => {
    const db = openLocalDatabase(stateDir);
    opened.push(db);
    return db;
  };

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-approvals-"));
  });
  afterEach(async () => {
    for (const db of opened.splice(0)) db.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("two stores on one database (the CLI and snapfleet dev) both see an approval; only one can use it", () => {
    const a = new ApprovalStore(open(), { now: () => 1000 });
    const b = new ApprovalStore(open(), { now: () => 2000 });
    a.approve("sn-1");
    // Both checks read "approved" before either uses it: the use itself decides.
    assert.deepEqual([a.stateOf("sn-1"), b.stateOf("sn-1")], ["approved", "approved"]);
    assert.deepEqual([b.consumeApproval("sn-1"), a.consumeApproval("sn-1")], [true, false]);
    assert.deepEqual([a.get("sn-1")?.state, a.get("sn-1")?.joinedAt], ["joined", 2000]);
    assert.deepEqual(a.list("joined").map((d) => d.serial), ["sn-1"]);
    // Approving again lets one more board through.
    a.approve("sn-1");
    assert.equal(b.consumeApproval("sn-1"), true);
    assert.equal(a.consumeApproval("sn-1"), false);
    assert.equal(a.consumeApproval("sn-unknown"), false, "nothing to use");
  });

  it("a database made before approvals were single-use is migrated with its rows", () => {
    const old = open();
    old.exec(`CREATE TABLE device_approvals (
      serial TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied')),
      batch TEXT, first_seen INTEGER, last_seen INTEGER, attempts INTEGER NOT NULL DEFAULT 0, decided_at INTEGER)`);
    old.prepare("INSERT INTO device_approvals VALUES ('sn-1', 'approved', 'b1', 10, 20, 3, 15), ('sn-2', 'pending', 'b1', 11, 21, 1, NULL)").run();
    const store = new ApprovalStore(open(), { now: () => 99 });
    assert.deepEqual(store.get("sn-1"), { serial: "sn-1", state: "approved", batch: "b1", firstSeen: 10, lastSeen: 20, attempts: 3, decidedAt: 15 });
    assert.equal(store.get("sn-2")?.state, "pending");
    assert.equal(store.consumeApproval("sn-1"), true);
    assert.deepEqual([store.get("sn-1")?.state, store.get("sn-1")?.joinedAt], ["joined", 99]);
    new ApprovalStore(open());
    assert.equal(store.get("sn-1")?.state, "joined", "opening again migrates nothing twice");
  });
});
