/** Pulumi mocks that stand in for AWS in tests: every registered resource is recorded with its
 * inputs, and the few data sources FeatureApp reads (account, region, IoT endpoint) answer with
 * fixed values. Resources get plausible outputs (ARNs, bucket names, certificates). */
import * as pulumi from "@pulumi/pulumi";
import { retiredChannelsProvider } from "../retiredChannelsState";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** Provider reference (`urn::id`) when the resource has an explicit provider. */
  provider?: string;
}

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "eu-west-1";
/** base64url of 32 bytes, as DashboardKey makes them. */
export const MOCK_DASHBOARD_KEY = Buffer.alloc(32, 7).toString("base64url");
export const MOCK_IOT_ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com";

/** The dynamic resources' type tokens: `pulumi-nodejs:dynamic/<module>:<type>` (pulumi/pulumi#11873). */
export const OTA_JOB_TYPE = "pulumi-nodejs:dynamic/snapfleet:OtaJob";
export const DASHBOARD_KEY_TYPE = "pulumi-nodejs:dynamic/snapfleet:DashboardKey";
export const RETIRED_CHANNELS_TYPE = "pulumi-nodejs:dynamic/snapfleet:RetiredChannels";

/** A dynamic resource's state after a program run, as the engine keeps it. */
interface DynamicState {
  id: string;
  inputs: Record<string, any>;
  outs: Record<string, any>;
}

export class AwsMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  /** RetiredChannelsState's state by resource name, for the next program run (`previous`). */
  readonly states = new Map<string, DynamicState>();

  /** `previous`: the mocks of the program run before this one, whose state this run starts from. */
  constructor(private readonly previous?: AwsMocks) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } | Promise<{ id: string; state: Record<string, any> }> {
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
    if (args.type === RETIRED_CHANNELS_TYPE) return this.deployRetiredChannels(args);
    const arn = `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:${args.type}/${args.name}`;
    const state: Record<string, any> = { name: args.name, ...args.inputs, arn };
    switch (args.type) {
      case "aws:s3/bucket:Bucket":
        state.bucket = `${args.name}-bucket`;
        state.bucketRegionalDomainName = `${args.name}-bucket.s3.${MOCK_REGION}.amazonaws.com`;
        state.region = args.inputs.region ?? MOCK_REGION;
        break;
      case "aws:cloudfront/distribution:Distribution":
        state.domainName = "d1234abcd.cloudfront.net";
        break;
      case "aws:iot/certificate:Certificate":
        state.certificatePem = `-----BEGIN CERTIFICATE-----\nmock ${args.name}\n-----END CERTIFICATE-----\n`;
        state.privateKey = `-----BEGIN RSA PRIVATE KEY-----\nmock ${args.name}\n-----END RSA PRIVATE KEY-----\n`;
        break;
      case "aws:lambda/functionUrl:FunctionUrl":
        state.functionUrl = `https://${args.name}.lambda-url.${MOCK_REGION}.on.aws/`;
        break;
      case "aws:lambda/function:Function":
      case "aws:secretsmanager/secret:Secret":
        state.name = args.inputs.name ?? `${args.name}-physical`;
        break;
    }
    if (args.type === DASHBOARD_KEY_TYPE) state.key = MOCK_DASHBOARD_KEY;
    if (args.type === OTA_JOB_TYPE) state.jobArn = `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:job/${args.inputs.jobId}`;
    return { id: `${args.name}-id`, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/test`, userId: "test", id: MOCK_ACCOUNT };
      case "aws:index/getRegion:getRegion":
        return { region: MOCK_REGION, name: MOCK_REGION, id: MOCK_REGION, endpoint: `ec2.${MOCK_REGION}.amazonaws.com`, description: "mock" };
      case "aws:iot/getEndpoint:getEndpoint":
        return { endpointAddress: MOCK_IOT_ENDPOINT, id: MOCK_IOT_ENDPOINT };
      default:
        throw new Error(`AwsMocks: no mock for data source ${args.token}`);
    }
  }

  /** Its real provider, called as the engine calls a dynamic provider: check against the
   * previous run's inputs, then create, or diff and update against the previous state. */
  private async deployRetiredChannels(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, any> }> {
    const provider = retiredChannelsProvider();
    const before = this.previous?.states.get(args.name);
    const checked = (await provider.check!(before?.inputs ?? ({} as any), args.inputs as any)).inputs as Record<string, any>;
    let state: DynamicState;
    if (!before) {
      const created = await provider.create(checked as any);
      state = { id: created.id, inputs: checked, outs: created.outs ?? {} };
    } else if ((await provider.diff!(before.id, before.outs as any, checked as any)).changes) {
      state = { id: before.id, inputs: checked, outs: (await provider.update!(before.id, before.outs as any, checked as any)).outs ?? {} };
    } else {
      state = before;
    }
    this.states.set(args.name, state);
    return { id: state.id, state: state.outs };
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string, namePart = ""): RecordedResource {
    const found = this.resources.filter((r) => r.type === type && r.name.includes(namePart));
    if (found.length !== 1) throw new Error(`expected one ${type} named *${namePart}*, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
  }
}

/** Installs fresh mocks (and config, secret keys marked secret) for one program run; with
 * `previous`, the run after that one (dynamic state carried over: AwsMocks.states). */
export async function useAwsMocks(config: Record<string, string> = {}, secretKeys: string[] = [], previous?: AwsMocks): Promise<AwsMocks> {
  const mocks = new AwsMocks(previous);
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(mocks, "snapfleet-test", "test", false);
  return mocks;
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    // Outputs reject through their internal promise; apply never runs for a failed one.
    (output as any).promise().then(resolve, reject);
  });
}

/** Resolves once resource registrations stop arriving (children of components register late). */
export async function settled(mocks: AwsMocks): Promise<void> {
  let stableRounds = 0;
  let last = -1;
  while (stableRounds < 8) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    stableRounds = mocks.resources.length === last ? stableRounds + 1 : 0;
    last = mocks.resources.length;
  }
}

/** Pulumi's marker for a secret value in serialized properties (mock inputs keep it). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** The plain value of a mock input, secret or not. */
export function plain<T = any>(value: unknown): T {
  return (isSecretInput(value) ? (value as { value: unknown }).value : value) as T;
}
