import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { databaseFile, ensureSchema, openLocalDatabase } from "./localDatabase";

describe("local database (SQLite under the state dir)", () => {
  it("keeps committed rows across a close and reopen of the state dir's file", () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-db-"));
    try {
      const db = openLocalDatabase(stateDir);
      ensureSchema(db, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
      db.prepare("INSERT INTO notes (text) VALUES (?)").run("kept");
      db.close();
      assert.ok(fs.existsSync(databaseFile(stateDir)));
      const again = openLocalDatabase(stateDir);
      ensureSchema(again, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
      assert.deepEqual(again.prepare("SELECT text FROM notes").all(), [{ text: "kept" }]);
      assert.equal(again.pragma("journal_mode", { simple: true }), "wal");
      again.close();
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
