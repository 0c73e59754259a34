/** The OTA job as a Pulumi dynamic resource: AWS IoT jobs have no Pulumi resource, and a job is
 * not something to update in place: new device code means a new job (id from app + version) that
 * supersedes the old one, which is cancelled so no device installs outdated firmware. The resource
 * id stays the same across versions (one OtaJob per app); `jobId` says which job is current.
 *
 * Dynamic providers are serialized into the Pulumi state with their closures, so the provider
 * captures only plain functions and loads the AWS SDK inside its methods, from snapfleet's own
 * package folder (otaJobClient.ts), with the FeatureApp's AWS settings (iotConnection.ts). */
import * as pulumi from "@pulumi/pulumi";
import {
  cancelJobRequest,
  createJobRequest,
  deleteJobRequest,
  describeJobRequest,
  needsNewJob,
  updateJobRequest,
  type OtaJobProps,
  type OtaJobState,
} from "./otaJobRequests";
import type { IotConnection } from "./iotConnection";
import { withLegacyType } from "./legacyType";
import { loadModule, makeIotClient, SNAPFLEET_ROOT, type IotJobsClient, type IotSdk } from "./otaJobClient";

export type { IotJobsClient };
export type IotJobsClientFactory = (connection: IotConnection) => IotJobsClient;

export type OtaJobInputs = { [K in keyof OtaJobProps]: pulumi.Input<OtaJobProps[K]> };

export class OtaJob extends pulumi.dynamic.Resource {
  declare readonly jobId: pulumi.Output<string>;
  declare readonly jobArn: pulumi.Output<string>;
  declare readonly document: pulumi.Output<string>;

  constructor(name: string, args: OtaJobInputs, opts?: pulumi.CustomResourceOptions) {
    // Module and type make the token `pulumi-nodejs:dynamic/snapfleet:OtaJob` (a dynamic
    // resource's package must stay pulumi-nodejs: that is the provider that runs it). The alias
    // keeps stacks deployed under the old, malformed token from replacing (and so re-creating) the job.
    // `connection` holds credentials when the AWS settings do: encrypted in the state like the inputs.
    const options = withLegacyType({ ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-nodejs:dynamic/snapfleet:ota:OtaJob:Resource");
    super(otaJobProvider(), name, { ...args, jobArn: undefined }, options, "snapfleet", "OtaJob");
  }
}

export function otaJobProvider(makeClient: IotJobsClientFactory = makeIotClient): pulumi.dynamic.ResourceProvider<OtaJobProps, OtaJobState> {
  // Captured as a string: the serialized provider loads the SDK from snapfleet's folder (otaJobClient.ts).
  const root = SNAPFLEET_ROOT;
  return {
    async check(olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(String(news.jobId))) failures.push({ property: "jobId", reason: "AWS IoT job ids are 1-64 characters of letters, digits, _ and -" });
      if (String(news.document ?? "").length > 32768) failures.push({ property: "document", reason: "AWS IoT job documents are at most 32768 bytes" });
      if (news.connection !== undefined && news.connection.region !== news.region) failures.push({ property: "connection", reason: `the AWS connection's region ${news.connection.region} is not the job's region ${news.region}` });
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const keys = ["jobId", "region", "thingGroupArn", "document", "presignedUrlRoleArn", "presignedUrlExpirySeconds", "maximumPerMinute", "abortFailurePercent", "minExecutedForAbort", "inProgressTimeoutMinutes"] as const;
      const changed: string[] = keys.filter((k) => olds[k] !== news[k]);
      // New credentials or role: an update (UpdateJob, harmless) so the state keeps the settings
      // a later update or delete must use.
      if (JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null)) changed.push("connection");
      // Stages added, removed or regrouped: recorded in place; the next version's job starts on them.
      if (JSON.stringify(olds.stageGroupArns ?? null) !== JSON.stringify(news.stageGroupArns ?? null)) changed.push("stageGroupArns");
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs) {
      const client = makeClient(connectionOf(inputs));
      const jobArn = await createOrAdopt(client, inputs);
      return { id: `${inputs.app}-ota`, outs: { ...inputs, jobArn } };
    },

    async update(_id, olds, news) {
      const client = makeClient(connectionOf(news));
      if (!needsNewJob(olds, news)) {
        await client.send(new (iot().UpdateJobCommand)(updateJobRequest(news)));
        return { outs: { ...news, jobArn: olds.jobArn } };
      }
      if (olds.jobId === news.jobId) {
        throw new Error(
          `OTA job ${news.jobId} would need a new job document (bucket, thing group or region changed) but keeps its id; ` +
            `AWS can't change a job's document. Delete it (aws iot delete-job --job-id ${news.jobId} --force) and run pulumi up again`,
        );
      }
      // Create first: if that fails, the fleet keeps following the old job.
      const jobArn = await createOrAdopt(client, news);
      await cancelQuietly(makeClient(connectionOf(olds)), olds.jobId, `superseded by ${news.jobId}`);
      return { outs: { ...news, jobArn } };
    },

    async delete(_id, props) {
      const client = makeClient(connectionOf(props));
      await cancelQuietly(client, props.jobId, "snapfleet app removed");
      try {
        await client.send(new (iot().DeleteJobCommand)(deleteJobRequest(props.jobId)));
      } catch (e) {
        // A device still installing keeps the job alive; it stays cancelled, which is harmless.
        if (!isAwsError(e, "InvalidStateTransitionException") && !isAwsError(e, "ResourceNotFoundException")) throw e;
      }
    },
  };

  function iot(): IotSdk {
    return loadModule("@aws-sdk/client-iot", root);
  }

  /** State written before connections existed has the region only (default credential chain). */
  function connectionOf(props: OtaJobProps): IotConnection {
    return props.connection ?? { region: props.region };
  }

  async function createOrAdopt(client: IotJobsClient, p: OtaJobProps): Promise<string> {
    try {
      const created = await client.send(new (iot().CreateJobCommand)(createJobRequest(p)));
      return String(created.jobArn);
    } catch (e) {
      if (!isAwsError(e, "ResourceAlreadyExistsException")) throw e;
      // Same id = same device code. Adopt the job if it is still rolling out the same document
      // (e.g. the state was lost after CreateJob); anything else needs a person to decide.
      const { job } = await client.send(new (iot().DescribeJobCommand)(describeJobRequest(p.jobId)));
      if (job?.status === "IN_PROGRESS") return String(job.jobArn);
      throw new Error(
        `OTA job ${p.jobId} already exists with status ${job?.status ?? "unknown"} (this device code was deployed before and its job was cancelled or completed). ` +
          `AWS keeps job ids until the job is deleted: run aws iot delete-job --job-id ${p.jobId} --force, wait until it is gone, then pulumi up again`,
      );
    }
  }

  async function cancelQuietly(client: IotJobsClient, jobId: string, reason: string): Promise<void> {
    try {
      await client.send(new (iot().CancelJobCommand)(cancelJobRequest(jobId, reason)));
    } catch (e) {
      // Already cancelled, completed or gone: nothing left to stop.
      if (!isAwsError(e, "InvalidStateTransitionException") && !isAwsError(e, "ResourceNotFoundException")) throw e;
    }
  }

  function isAwsError(e: unknown, name: string): boolean {
    return typeof e === "object" && e !== null && (e as { name?: string }).name === name;
  }
}
