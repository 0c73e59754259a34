/** Shadows in the local cloud's embedded database (local/database): one row per thing and shadow
 * name ("" for the classic shadow), desired/reported state and metadata as JSON, the version kept
 * after a delete (core/shadow/shadowDocument.ts). */
import type { StoredShadow } from "../../core/shadow/shadowDocument";
import { ensureSchema, type LocalDatabase } from "../database/localDatabase";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shadows (
  thing TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  document TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (thing, name)
) WITHOUT ROWID;
`;

export class ShadowStore {
  private readonly select;
  private readonly upsert;

  constructor(db: LocalDatabase) {
    ensureSchema(db, SCHEMA);
    this.select = db.prepare<[string, string], { version: number; deleted: number; document: string }>("SELECT version, deleted, document FROM shadows WHERE thing = ? AND name = ?");
    this.upsert = db.prepare<[string, string, number, number, string, number]>(
      "INSERT INTO shadows (thing, name, version, deleted, document, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (thing, name) DO UPDATE SET version = excluded.version, deleted = excluded.deleted, document = excluded.document, updated_at = excluded.updated_at",
    );
  }

  get(thing: string, shadow: string | undefined): StoredShadow | undefined {
    const row = this.select.get(thing, shadow ?? "");
    if (!row) return undefined;
    const document = JSON.parse(row.document) as Pick<StoredShadow, "desired" | "reported" | "metadata">;
    return { exists: row.deleted === 0, version: row.version, ...document };
  }

  put(thing: string, shadow: string | undefined, stored: StoredShadow, now: number): void {
    const { desired, reported, metadata } = stored;
    this.upsert.run(thing, shadow ?? "", stored.version, stored.exists ? 0 : 1, JSON.stringify({ desired, reported, metadata }), now);
  }
}
