/** Server VM state in the local database: each VM's latest snapshot with the build that made it
 * and its version, written with the same condition DynamoDB gets on AWS (the stored version must
 * be the one the batch started from), so one store contract serves both. */
import type { ServerStateStore, ServerVmState } from "../../core/server/serverHost";
import { ensureSchema, type LocalDatabase } from "../database/localDatabase";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS server_vm_state (
  vm TEXT PRIMARY KEY,
  build TEXT NOT NULL,
  version INTEGER NOT NULL,
  snapshot BLOB NOT NULL,
  updated_at INTEGER NOT NULL
);`;

export class ServerStateTable implements ServerStateStore {
  private readonly get;
  private readonly insert;
  private readonly update;

  constructor(db: LocalDatabase) {
    ensureSchema(db, SCHEMA);
    this.get = db.prepare("SELECT build, version, snapshot FROM server_vm_state WHERE vm = ?");
    this.insert = db.prepare("INSERT OR IGNORE INTO server_vm_state (vm, build, version, snapshot, updated_at) VALUES (?, ?, ?, ?, ?)");
    this.update = db.prepare("UPDATE server_vm_state SET build = ?, version = ?, snapshot = ?, updated_at = ? WHERE vm = ? AND version = ?");
  }

  load(key: string): ServerVmState | undefined {
    const row = this.get.get(key) as { build: string; version: number; snapshot: Buffer } | undefined;
    return row && { build: row.build, version: row.version, snapshot: new Uint8Array(row.snapshot) };
  }

  save(key: string, state: ServerVmState, expectedVersion: number): boolean {
    const snapshot = Buffer.from(state.snapshot.buffer, state.snapshot.byteOffset, state.snapshot.byteLength);
    const now = Date.now();
    const result = expectedVersion === 0 ? this.insert.run(key, state.build, state.version, snapshot, now) : this.update.run(state.build, state.version, snapshot, now, key, expectedVersion);
    return result.changes === 1;
  }
}
