/** Which boards may join the fleet by claim: the operator's approvals, and the boards that asked
 * and wait for one (pending). Kept in the local cloud's SQLite database (local/database), so the
 * CLI (`snapfleet devices approve <serial>`) and the dashboard decide while `snapfleet dev` runs,
 * and a restart forgets nothing. On AWS the same records live in DynamoDB
 * (lambda/provisioningHook). The pending list is bounded: a flood of unknown serials can't grow it
 * without limit. An approval is single-use: `consumeApproval` turns it into `joined` in one
 * statement, so of two asks with the same approved serial only one gets through. */
import { APPROVAL_STATES } from "../../core/contracts/approvalsApi";
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
  /** When the approved board joined, using the approval up (state `joined`). */
  joinedAt?: number;
}

export interface ApprovalStoreOptions {
  /** At most this many pending boards (default 10,000); more unknown serials are refused unlisted. */
  maxPending?: number;
  now?: () => number;
}

const TABLE_SQL = (name: string) => `CREATE TABLE IF NOT EXISTS ${name} (
  serial TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN (${APPROVAL_STATES.map((state) => `'${state}'`).join(", ")})),
  batch TEXT,
  first_seen INTEGER,
  last_seen INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  decided_at INTEGER,
  joined_at INTEGER
)`;

interface Row {
  serial: string;
  state: ApprovalState;
  batch: string | null;
  first_seen: number | null;
  last_seen: number | null;
  attempts: number;
  decided_at: number | null;
  joined_at: number | null;
}

export class ApprovalStore {
  private readonly maxPending: number;
  private readonly now: () => number;

  constructor(
    private readonly db: LocalDatabase,
    options: ApprovalStoreOptions = {},
  ) {
    migrateToSingleUseApprovals(db);
    ensureSchema(db, TABLE_SQL("device_approvals"));
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

  /** The board was let through: uses its approval up (approved → joined) in one statement. False
   * when it was not approved any more (another ask used it, or the operator denied meanwhile):
   * then the board must be refused. */
  consumeApproval(serial: string): boolean {
    return this.db.prepare("UPDATE device_approvals SET state = 'joined', joined_at = ? WHERE serial = ? AND state = 'approved'").run(this.now(), serial).changes === 1;
  }

  /** The operator lets one board with this serial join (before or after it asked; again after one joined). */
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
    ...(row.joined_at !== null ? { joinedAt: row.joined_at } : {}),
  };
}

/** A database made before approvals were single-use has a CHECK without 'joined' and no
 * joined_at; SQLite can't alter a CHECK, so the table is rebuilt with its rows, in one
 * transaction (the CLI and `snapfleet dev` may open the file at once). */
function migrateToSingleUseApprovals(db: LocalDatabase): void {
  db.transaction(() => {
    const existing = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'device_approvals'").get() as { sql: string } | undefined;
    if (!existing || existing.sql.includes("'joined'")) return;
    db.exec(TABLE_SQL("device_approvals_new"));
    db.exec("INSERT INTO device_approvals_new (serial, state, batch, first_seen, last_seen, attempts, decided_at) SELECT serial, state, batch, first_seen, last_seen, attempts, decided_at FROM device_approvals");
    db.exec("DROP TABLE device_approvals");
    db.exec("ALTER TABLE device_approvals_new RENAME TO device_approvals");
  }).immediate();
}
