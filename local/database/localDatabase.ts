/** The local cloud's embedded database: one SQLite file under the state dir
 * (`${stateDir}/database/snapfleet.sqlite`), opened through better-sqlite3 (version 12: 13 needs
 * Node 22 and crashes the process on Node 20). Each concept that stores data here (settings,
 * history, server VM state, …) owns its tables and creates them with `ensureSchema`, so a concept
 * stays in its own file and this one stays small.
 *
 * WAL mode lets the dashboard server read while the broker writes; `synchronous = NORMAL` keeps a
 * committed transaction across a process crash (only an OS crash may lose the last ones), which is
 * what "survives a restart of the local cloud" needs without an fsync per message. */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type LocalDatabase = Database.Database;

export function databaseFile(stateDir: string): string {
  return path.join(stateDir, "database", "snapfleet.sqlite");
}

/** Opens (creating if needed) the state dir's database. Close it with `db.close()`. */
export function openLocalDatabase(stateDir: string): LocalDatabase {
  const file = databaseFile(stateDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Two processes (e.g. `snapfleet dev` and a CLI command) may touch the file at once: wait, don't fail.
  db.pragma("busy_timeout = 5000");
  return db;
}

/** Runs a concept's `CREATE TABLE IF NOT EXISTS …` statements once per open database. */
export function ensureSchema(db: LocalDatabase, sql: string): void {
  db.exec(sql);
}

/** An in-memory database with the same settings, for tests of one concept's store. */
export function openMemoryDatabase(): LocalDatabase {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  return db;
}
