/** `snapfleet devices list | approve <serial> | deny <serial> | revoke <thing>`: the operator's
 * decisions on boards that onboard by claim, in the local cloud's database, and revoking a thing's
 * certificate in its registry (they apply at once to a running `snapfleet dev`, which reads the
 * same state dir). */
import { ApprovalStore, type DeviceApproval } from "../local/provisioning";
import { openLocalDatabase } from "../local/database/localDatabase";
import { DEFAULT_STATE_DIR } from "./claimCommand";
import { usableStateDir } from "./stateDir";
import fs from "node:fs";
import { CliError, UsageError } from "./cliError";
import { table } from "./format";
import { ThingRegistry } from "../local/registry";
import { isReservedClientId } from "../core/policy";
import { manifestDeployedBefore } from "./deployedBefore";
import { reservedSerialProblem } from "../core/provisioning/approval";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

export async function devicesCommand({ values, positionals }: Parsed, now = Date.now()): Promise<string> {
  const [action, serial, ...extra] = positionals;
  if (extra.length) throw new UsageError(`devices takes one serial or thing at a time (got ${positionals.slice(1).join(" ")})`);
  const stateDir = (values["state-dir"] as string | undefined) ?? DEFAULT_STATE_DIR;
  // Run from another folder, an empty state dir made here would list nothing and keep decisions
  // no running cloud reads.
  if (!fs.existsSync(stateDir)) {
    throw new CliError(`no local cloud state in ${stateDir}: snapfleet dev (or snapfleet claim mint) makes it; run this in the folder you run snapfleet dev in, or pass the same --state-dir DIR`);
  }
  const db = openLocalDatabase(usableStateDir(stateDir));
  try {
    const approvals = new ApprovalStore(db);
    switch (action) {
      case "list": {
        if (serial !== undefined) throw new UsageError("devices list takes no serial");
        const all = approvals.list();
        if (!all.length) return "no board has asked to join yet, and none is approved or denied";
        return table(["serial", "state", "batch", "attempts", "last seen"], all.map((a) => describe(a, now)));
      }
      case "approve":
      case "deny": {
        if (serial === undefined) throw new UsageError(`devices ${action} needs the board's serial (snapfleet devices list shows the pending ones)`);
        // The provisioning check refuses these whatever the approval says: don't let "approved" suggest otherwise.
        const app = manifestDeployedBefore(stateDir)?.app;
        // Not a usage mistake: the usage text would bury the one line that says what's wrong.
        if (action === "approve" && app !== undefined && isReservedClientId(app, serial)) {
          throw new CliError(`can't approve it: in app "${app}", ${reservedSerialProblem(serial)}, and the cloud refuses such a board whatever its approval`);
        }
        const before = approvals.stateOf(serial);
        let decided: DeviceApproval;
        try {
          decided = action === "approve" ? approvals.approve(serial) : approvals.deny(serial);
        } catch (e) {
          throw new UsageError(`devices ${action}: ${(e as Error).message}`);
        }
        // An approval lets one board through; saying so keeps a re-approval from looking harmless.
        if (action === "approve" && before === "joined") {
          return `approved "${decided.serial}" again: its approval was used up when a board joined as it; one more board may now join with this serial (a board whose flash was wiped asks again; its old certificate still connects until snapfleet devices revoke ${decided.serial})`;
        }
        if (action === "approve") return `approved "${decided.serial}": it joins the fleet the next time it asks${decided.attempts ? "" : " (it has not asked yet)"}`;
        // A decision only answers asks by claim: a board that got its thing connects with its own
        // certificate, which a deny must not let the operator believe is shut out.
        if ((await ThingRegistry.open(stateDir)).has(decided.serial)) {
          return `denied "${decided.serial}": it is refused if it asks by claim again, but it already joined the fleet as thing "${decided.serial}": its own certificate still connects (denying doesn't take a board out of the fleet: snapfleet devices revoke ${decided.serial} does)`;
        }
        return `denied "${decided.serial}": it is refused whenever it asks`;
      }
      case "revoke":
        if (serial === undefined) throw new UsageError("devices revoke needs the thing's name (a board that joined by claim is named by its serial; snapfleet dev's are sim-1, sim-2, …)");
        return await revoke(stateDir, serial, approvals);
      default:
        throw new UsageError(`devices takes list, approve <serial>, deny <serial> or revoke <thing> (got ${action ?? "nothing"})`);
    }
  } finally {
    db.close();
  }
}

/** Revokes the thing's certificate for good and removes the thing (ThingRegistry.revoke, AWS's
 * UpdateCertificate to REVOKED); a running broker closes its connection within its registry poll
 * (local/broker/revocationWatcher.ts). The approvals are left as they are: a board that joined by
 * claim stays `joined`, which refuses its next ask until the operator approves it again. */
async function revoke(stateDir: string, thing: string, approvals: ApprovalStore): Promise<string> {
  const registry = await ThingRegistry.open(stateDir);
  try {
    await registry.revoke(thing);
  } catch (e) {
    // The registry's words say what is there; the prefix says which command.
    throw new CliError(`devices revoke: ${(e as Error).message.replace(/^thing registry: /, "")}`);
  }
  const said = `revoked "${thing}": its certificate no longer connects (a running snapfleet dev closes its connection within a second)`;
  if (approvals.stateOf(thing) !== "joined") return said;
  return `${said}; nothing else changes in the approvals: serial "${thing}" stays joined, so the board is refused if it asks by claim again, until snapfleet devices approve ${thing}`;
}

/** One board's row of the list. */
function describe(a: DeviceApproval, now: number): (string | number)[] {
  const seen = a.lastSeen === undefined ? "never" : `${Math.round((now - a.lastSeen) / 1000)} s ago`;
  return [a.serial, a.state, a.batch ?? "-", a.attempts, seen];
}
