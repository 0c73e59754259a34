/** Which boards may join the fleet by claim: the operator's approvals, and the boards that asked
 * and wait for one (pending). Kept in the local cloud's SQLite database (local/database), so the
 * CLI (`snapfleet devices approve <serial>`) and the dashboard decide while `snapfleet dev` runs,
 * and a restart forgets nothing. On AWS the same records live in DynamoDB
 * (lambda/provisioningHook). The pending list is bounded: a flood of unknown serials can't grow it
 * without limit. */
import { checkName } from "../../core/contracts/names";
import type { ApprovalState } from "../../core/provisioning/approval";
import { ensureSchema, type LocalDatabase } from "../database/localDatabase";

export interface DeviceApproval {
  serial: string;
  state: ApprovalState;
  /** The claim batch it asked with (unknown for a board approved before it asked). */
  batch?: string;
  /** ms since epoch */
  firstSeen?: number;
  lastSeen?: number;
  /** RegisterThing requests seen from it. */
  attempts: number;
  decidedAt?: number;
}

export interface ApprovalStoreOptions {
  /** At most this many pending boards (default 10,000); more unknown serials are refused unlisted. */
  maxPending?: number;
  now?: () => number;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS device_approvals (
  serial TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied')),
  batch TEXT,
  first_seen INTEGER,
  last_seen INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  decided_at INTEGER
)`;

interface Row {
  serial: string;
  state: ApprovalState;
  batch: string | null;
  first_seen: number | null;
  last_seen: number | null;
  attempts: number;
  decided_at: number | null;
}

export class ApprovalStore {
  private readonly maxPending: number;
  private readonly now: () => number;

  constructor(
    private readonly db: LocalDatabase,
    options: ApprovalStoreOptions = {},
  ) {
    ensureSchema(db, SCHEMA);
    this.maxPending = options.maxPending ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  stateOf(serial: string): ApprovalState | undefined {
    return (this.db.prepare("SELECT state FROM device_approvals WHERE serial = ?").get(serial) as { state: ApprovalState } | undefined)?.state;
  }

  /** A board asked: count it; an unknown one becomes pending. False when it could not be listed
   * (the pending list is full). */
  recordRequest(serial: string, batch: string | undefined): boolean {
    const now = this.now();
    const updated = this.db.prepare("UPDATE device_approvals SET last_seen = ?, attempts = attempts + 1, batch = COALESCE(batch, ?) WHERE serial = ?").run(now, batch ?? null, serial);
    if (updated.changes) return true;
    const pending = (this.db.prepare("SELECT COUNT(*) AS n FROM device_approvals WHERE state = 'pending'").get() as { n: number }).n;
    if (pending >= this.maxPending) return false;
    this.db.prepare("INSERT INTO device_approvals (serial, state, batch, first_seen, last_seen, attempts) VALUES (?, 'pending', ?, ?, ?, 1)").run(serial, batch ?? null, now, now);
    return true;
  }

  /** The operator lets the board join (before or after it asked). */
  approve(serial: string): DeviceApproval {
    return this.decide(serial, "approved");
  }

  /** The operator refuses the board; it stays listed as denied. */
  deny(serial: string): DeviceApproval {
    return this.decide(serial, "denied");
  }

  get(serial: string): DeviceApproval | undefined {
    const row = this.db.prepare("SELECT * FROM device_approvals WHERE serial = ?").get(serial) as Row | undefined;
    return row && fromRow(row);
  }

  /** Every record (or those in one state), pending first, then by serial. */
  list(state?: ApprovalState): DeviceApproval[] {
    const rows = (
      state
        ? this.db.prepare("SELECT * FROM device_approvals WHERE state = ? ORDER BY serial").all(state)
        : this.db.prepare("SELECT * FROM device_approvals ORDER BY state != 'pending', serial").all()
    ) as Row[];
    return rows.map(fromRow);
  }

  private decide(serial: string, state: "approved" | "denied"): DeviceApproval {
    const problem = checkName("serial", serial);
    if (problem) throw new Error(`${problem} (serials are the boards' thing names)`);
    const now = this.now();
    this.db
      .prepare("INSERT INTO device_approvals (serial, state, attempts, decided_at) VALUES (?, ?, 0, ?) ON CONFLICT(serial) DO UPDATE SET state = excluded.state, decided_at = excluded.decided_at")
      .run(serial, state, now);
    return this.get(serial)!;
  }
}

function fromRow(row: Row): DeviceApproval {
  return {
    serial: row.serial,
    state: row.state,
    ...(row.batch !== null ? { batch: row.batch } : {}),
    ...(row.first_seen !== null ? { firstSeen: row.first_seen } : {}),
    ...(row.last_seen !== null ? { lastSeen: row.last_seen } : {}),
    attempts: row.attempts,
    ...(row.decided_at !== null ? { decidedAt: row.decided_at } : {}),
  };
}
