/** The OTA job as a Pulumi dynamic resource: AWS IoT jobs have no Pulumi resource, and a job is
 * not something to update in place: new device code means a new job (id from app + version) that
 * supersedes the old one, which is cancelled so no device installs outdated firmware. The resource
 * id stays the same across versions (one OtaJob per app); `jobId` says which job is current.
 *
 * Dynamic providers are serialized into the Pulumi state with their closures, so the provider
 * captures only plain functions and loads the AWS SDK with `require` inside its methods. */
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
import { withLegacyType } from "./legacyType";

/** The slice of IoTClient the provider uses; tests pass a fake that records commands. */
export interface IotJobsClient {
  send(command: { input: object }): Promise<any>;
}
export type IotJobsClientFactory = (region: string) => IotJobsClient;

export type OtaJobInputs = { [K in keyof OtaJobProps]: pulumi.Input<OtaJobProps[K]> };

export class OtaJob extends pulumi.dynamic.Resource {
  declare readonly jobId: pulumi.Output<string>;
  declare readonly jobArn: pulumi.Output<string>;
  declare readonly document: pulumi.Output<string>;

  constructor(name: string, args: OtaJobInputs, opts?: pulumi.CustomResourceOptions) {
    // Module and type make the token `pulumi-nodejs:dynamic/snapfleet:OtaJob` (a dynamic
    // resource's package must stay pulumi-nodejs: that is the provider that runs it). The alias
    // keeps stacks deployed under the old, malformed token from replacing (and so re-creating) the job.
    super(otaJobProvider(), name, { ...args, jobArn: undefined }, withLegacyType(opts, "pulumi-nodejs:dynamic/snapfleet:ota:OtaJob:Resource"), "snapfleet", "OtaJob");
  }
}

export function otaJobProvider(makeClient: IotJobsClientFactory = defaultIotClient): pulumi.dynamic.ResourceProvider<OtaJobProps, OtaJobState> {
  return {
    async check(olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(String(news.jobId))) failures.push({ property: "jobId", reason: "AWS IoT job ids are 1-64 characters of letters, digits, _ and -" });
      if (String(news.document ?? "").length > 32768) failures.push({ property: "document", reason: "AWS IoT job documents are at most 32768 bytes" });
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const keys = ["jobId", "region", "thingGroupArn", "document", "presignedUrlRoleArn", "presignedUrlExpirySeconds", "maximumPerMinute", "abortFailurePercent", "minExecutedForAbort", "inProgressTimeoutMinutes"] as const;
      const changed = keys.filter((k) => olds[k] !== news[k]);
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs) {
      const client = makeClient(inputs.region);
      const jobArn = await createOrAdopt(client, inputs);
      return { id: `${inputs.app}-ota`, outs: { ...inputs, jobArn } };
    },

    async update(_id, olds, news) {
      const client = makeClient(news.region);
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
      await cancelQuietly(makeClient(olds.region), olds.jobId, `superseded by ${news.jobId}`);
      return { outs: { ...news, jobArn } };
    },

    async delete(_id, props) {
      const client = makeClient(props.region);
      await cancelQuietly(client, props.jobId, "snapfleet app removed");
      try {
        await client.send(new (iot().DeleteJobCommand)(deleteJobRequest(props.jobId)));
      } catch (e) {
        // A device still installing keeps the job alive; it stays cancelled, which is harmless.
        if (!isAwsError(e, "InvalidStateTransitionException") && !isAwsError(e, "ResourceNotFoundException")) throw e;
      }
    },
  };

  function iot(): typeof import("@aws-sdk/client-iot") {
    return require("@aws-sdk/client-iot");
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

function defaultIotClient(region: string): IotJobsClient {
  const { IoTClient } = require("@aws-sdk/client-iot") as typeof import("@aws-sdk/client-iot");
  return new IoTClient({ region }) as unknown as IotJobsClient;
}
