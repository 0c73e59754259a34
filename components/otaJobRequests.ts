/** Pure builders of the AWS IoT Jobs API requests the OtaJob provider sends. Typed as the SDK's
 * own input types, so a field AWS doesn't know (or a wrong enum value) fails the type check. */
import type {
  CancelJobCommandInput,
  CreateJobCommandInput,
  DeleteJobCommandInput,
  DescribeJobCommandInput,
  UpdateJobCommandInput,
} from "@aws-sdk/client-iot";
import type { IotConnection } from "./iotConnection";

/** What the OtaJob resource stores (its inputs, and its outputs plus jobArn). */
export interface OtaJobProps {
  app: string;
  /** otaJobId(app, manifest.version): same device code, same job. */
  jobId: string;
  region: string;
  thingGroupArn: string;
  /** The job document as JSON (core/contracts/jobDocument.ts). */
  document: string;
  presignedUrlRoleArn: string;
  presignedUrlExpirySeconds: number;
  maximumPerMinute: number;
  abortFailurePercent: number;
  minExecutedForAbort: number;
  inProgressTimeoutMinutes: number;
  /** Staged rollouts: ARNs of the stage thing groups, in order. The job starts on the first; the
   * scheduler Lambda adds the others (docs/staged-rollouts.md). Absent: the whole thing group. */
  stageGroupArns?: string[];
  /** Region, credentials and role to call AWS IoT with (components/iotConnection.ts); secret.
   * Absent in state written before it existed: the default credential chain in `region`. */
  connection?: IotConnection;
}

export interface OtaJobState extends OtaJobProps {
  jobArn: string;
}

export function createJobRequest(p: OtaJobProps): CreateJobCommandInput {
  return {
    jobId: p.jobId,
    targets: [initialTarget(p)],
    // CONTINUOUS: devices added to the group later get the current firmware too, and (staged) the
    // later stages' groups can be added with AssociateTargetsWithJob, which only CONTINUOUS jobs take.
    targetSelection: "CONTINUOUS",
    document: p.document,
    description: jobDescription(p),
    presignedUrlConfig: { roleArn: p.presignedUrlRoleArn, expiresInSec: p.presignedUrlExpirySeconds },
    ...rolloutAbortTimeout(p),
    tags: [{ Key: "snapfleet:app", Value: p.app }],
  };
}

/** The group the job is created on: the first stage's when staged, else the whole fleet's. */
export function initialTarget(p: OtaJobProps): string {
  return p.stageGroupArns?.length ? p.stageGroupArns[0] : p.thingGroupArn;
}

/** What UpdateJob can change in place; the document and targets need a new job. */
export function updateJobRequest(p: OtaJobProps): UpdateJobCommandInput {
  return {
    jobId: p.jobId,
    description: jobDescription(p),
    presignedUrlConfig: { roleArn: p.presignedUrlRoleArn, expiresInSec: p.presignedUrlExpirySeconds },
    ...rolloutAbortTimeout(p),
  };
}

/** force: false cancels queued executions only; a device that is installing finishes (its
 * A/B slots keep it safe), and then gets the new job. */
export function cancelJobRequest(jobId: string, reason: string): CancelJobCommandInput {
  return { jobId, reasonCode: "SUPERSEDED", comment: reason.slice(0, 2028), force: false };
}

export function deleteJobRequest(jobId: string): DeleteJobCommandInput {
  return { jobId, force: false };
}

export function describeJobRequest(jobId: string): DescribeJobCommandInput {
  return { jobId };
}

/** True when the change can't be made with UpdateJob and a new job must supersede the old one. */
export function needsNewJob(olds: OtaJobProps, news: OtaJobProps): boolean {
  return olds.jobId !== news.jobId || olds.document !== news.document || olds.thingGroupArn !== news.thingGroupArn || olds.region !== news.region;
}

// Not `describe`: Pulumi's closure serializer leaves names of globals uncaptured, and under mocha
// `describe` is a global, so the serialized provider would have called mocha's.
function jobDescription(p: OtaJobProps): string {
  return `snapfleet OTA update of ${p.app} (${p.jobId})`;
}

function rolloutAbortTimeout(p: OtaJobProps) {
  return {
    jobExecutionsRolloutConfig: { maximumPerMinute: p.maximumPerMinute },
    abortConfig: {
      criteriaList: [
        {
          failureType: "ALL" as const,
          action: "CANCEL" as const,
          thresholdPercentage: p.abortFailurePercent,
          minNumberOfExecutedThings: p.minExecutedForAbort,
        },
      ],
    },
    timeoutConfig: { inProgressTimeoutInMinutes: p.inProgressTimeoutMinutes },
  };
}
