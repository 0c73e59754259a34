/** The pre-provisioning hook of the fleet provisioning template on AWS: AWS IoT calls it on every
 * RegisterThing ("Pre-provisioning hooks",
 * https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html) with
 * `{claimCertificateId, certificateId, certificatePem, templateArn, clientId, parameters}` and
 * provisions only when it answers `{allowProvisioning: true, parameterOverrides}`. The decision is
 * the local cloud's (core/provisioning/approval.ts), the approvals come from DynamoDB, and an
 * allowed board uses its approval up (approved → joined, conditional UpdateItem). A failing
 * hook fails the request with ACCESS_DENIED, which is the safe side. */
import { alreadyJoinedReason, decideProvisioning, serialOf, type ApprovalContext, type ApprovalState } from "../../core/provisioning/approval";

export interface PreProvisioningEvent {
  claimCertificateId?: string;
  certificateId?: string;
  certificatePem?: string;
  templateArn?: string;
  clientId?: string;
  parameters?: Record<string, string>;
}

export interface PreProvisioningResult {
  allowProvisioning: boolean;
  parameterOverrides?: Record<string, string>;
}

export interface ApprovalsTable {
  stateOf(serial: string): Promise<ApprovalState | undefined>;
  addPending(serial: string, claimCertificateId: string | undefined, now: number): Promise<void>;
  /** approved → joined, atomically; false when it was not approved any more. */
  consume(serial: string, now: number): Promise<boolean>;
}

export interface PreProvisioningHookDeps {
  context: ApprovalContext;
  approvals: ApprovalsTable;
  now?: () => number;
  log?: (line: string) => void;
}

export function createPreProvisioningHook(deps: PreProvisioningHookDeps): (event: PreProvisioningEvent) => Promise<PreProvisioningResult> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  return async (event) => {
    const parsed = serialOf(event.parameters, deps.context.app);
    // Read the one board's state first: the decision function itself is synchronous and shared.
    const state = "serial" in parsed ? await deps.approvals.stateOf(parsed.serial) : undefined;
    const decision = decideProvisioning(event.parameters, () => state, deps.context);
    if (!decision.allowProvisioning) {
      if (decision.pendingSerial !== undefined && state === undefined) await deps.approvals.addPending(decision.pendingSerial, event.claimCertificateId, now());
      log(`refused (client ${event.clientId ?? "?"}, claim ${event.claimCertificateId ?? "?"}): ${decision.reason}`);
      return { allowProvisioning: false };
    }
    // Single-use: the hook is the only place AWS lets us act before the certificate is attached,
    // so the approval is used up here; a lost race (or a deny meanwhile) refuses.
    if (!(await deps.approvals.consume(decision.thingName, now()))) {
      log(`refused (client ${event.clientId ?? "?"}, claim ${event.claimCertificateId ?? "?"}): ${alreadyJoinedReason(decision.thingName)}`);
      return { allowProvisioning: false };
    }
    log(`allowed "${decision.thingName}" (claim ${event.claimCertificateId ?? "?"})`);
    return { allowProvisioning: true, parameterOverrides: decision.parameterOverrides };
  };
}
