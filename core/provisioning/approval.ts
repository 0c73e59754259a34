/** The pre-provisioning check: may this board, asking with a claim, become a thing of the fleet?
 * Only when an operator approved its serial. An unknown board is refused and listed as pending
 * for the operator; a denied one is refused. The local fleet provisioning service and the
 * pre-provisioning hook Lambda on AWS (lambda/provisioningHook) both decide with this function,
 * each reading the approvals from its own store (SQLite locally, DynamoDB on AWS). An allowed
 * decision counts only once the store has consumed the approval (approved → joined, atomically);
 * a caller that loses that race refuses with `alreadyJoinedReason`. */
import type { ApprovalStateName } from "../contracts/approvalsApi";
import { checkName } from "../contracts/names";
import { stageGroupName, stageOfThing, type RolloutStage } from "../jobs/stagedRollout";
import { isReservedClientId } from "../policy/clientIds";
import { SERIAL_PARAMETER } from "./claimApi";

/** `joined`: the approval was used up by the board it let through (single-use: anyone else holding
 * the batch's claim who asks with that serial is refused); approving again lets one more through. */
export type ApprovalState = ApprovalStateName;

export interface ApprovalContext {
  app: string;
  /** With staged rollouts, the approved board also joins its stage's thing group. */
  thingGroup?: string;
  stages?: readonly RolloutStage[];
}

export type ProvisioningDecision =
  | {
      allowProvisioning: true;
      thingName: string;
      /** Template parameters the hook sets (AWS: `parameterOverrides`). */
      parameterOverrides: Record<string, string>;
    }
  | {
      allowProvisioning: false;
      /** For the cloud's log; on AWS the board only sees ACCESS_DENIED. */
      reason: string;
      /** The serial to list as pending for the operator (an unknown or still pending board). */
      pendingSerial?: string;
    };

/** The RegisterThing parameter that becomes the thing's stage group (template `{"Ref": "StageGroup"}`). */
export const STAGE_GROUP_PARAMETER = "StageGroup";

/** The board's serial from RegisterThing's parameters, or why it can't be one. */
export function serialOf(parameters: unknown, app: string): { serial: string } | { problem: string } {
  const serial = typeof parameters === "object" && parameters !== null ? (parameters as Record<string, unknown>)[SERIAL_PARAMETER] : undefined;
  if (typeof serial !== "string") return { problem: `RegisterThing needs parameters.${SERIAL_PARAMETER}, the board's serial number` };
  const problem = claimSerialProblem(app, serial);
  if (problem) return { problem: `parameters.${SERIAL_PARAMETER}: ${problem}` };
  return { serial };
}

/** Why a board can't ask for its identity with this serial (it becomes the thing name), or
 * undefined. The cloud refuses such a board; the board checks first (firmware/provisioning/
 * claimProvisioning.ts; the C board through the texts scripts/claimApiHeader.mjs renders from
 * here), since the refusal it would get, ACCESS_DENIED, is the same as "not approved yet" and it
 * would ask forever. */
export function claimSerialProblem(app: string, serial: string): string | undefined {
  const problem = checkName("serial", serial);
  if (problem) return `${problem} (it becomes the thing name)`;
  if (isReservedClientId(app, serial)) return reservedSerialProblem(serial);
  return undefined;
}

export function reservedSerialProblem(serial: string): string {
  return `serial "${serial}" is a client id reserved for the app's server, dashboards or claims (it becomes the thing name)`;
}

export function decideProvisioning(parameters: unknown, stateOf: (serial: string) => ApprovalState | undefined, context: ApprovalContext): ProvisioningDecision {
  const parsed = serialOf(parameters, context.app);
  if ("problem" in parsed) return { allowProvisioning: false, reason: parsed.problem };
  const { serial } = parsed;
  const state = stateOf(serial);
  if (state === "denied") return { allowProvisioning: false, reason: `board "${serial}" was denied by an operator` };
  if (state === "joined") return { allowProvisioning: false, reason: alreadyJoinedReason(serial) };
  if (state !== "approved") {
    return { allowProvisioning: false, reason: `board "${serial}" is waiting for an operator's approval (snapfleet devices approve ${serial})`, pendingSerial: serial };
  }
  const overrides: Record<string, string> = {};
  if (context.stages?.length && context.thingGroup) overrides[STAGE_GROUP_PARAMETER] = stageGroupName(context.thingGroup, stageOfThing(serial, context.stages));
  return { allowProvisioning: true, thingName: serial, parameterOverrides: overrides };
}

/** Why an ask with a serial whose approval was used up is refused (for the cloud's log). */
export function alreadyJoinedReason(serial: string): string {
  return `board "${serial}" already joined the fleet with its approval, which lets one board through; if that board lost its identity, approve it again (snapfleet devices approve ${serial})`;
}
