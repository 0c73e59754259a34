/** FeatureApp: everything an app's features need on AWS, declared next to the rest of a Pulumi
 * program. Thin by design (like awsx's Vpc): it checks its arguments up front, compiles the
 * features, calls the pure "decide" functions of core/ (policies, job documents, job ids, topic
 * names) and wires their results to child components, one concept each:
 *   RetiredChannelsState → ChannelPolicies → Fleet (things, certificates, group) → FeatureSecrets → FirmwareStore →
 *   OtaJob, and DashboardAuthorizer → DashboardSite.
 * Resources that depend on what the features declare are created in `initialize`, after the
 * declarations pass of the compiler (components/deployBuild.ts), so they appear in the preview. */
import path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { otaJobDocument, otaJobId, s3PresignedUrlPlaceholder } from "../core/contracts/jobDocument";
import { deviceSubscriptionProblem } from "../core/contracts/deviceSubscriptions";
import type { Manifest } from "../core/contracts/manifest";
import { checkName } from "../core/contracts/names";
import { devicePolicyDocuments } from "../core/policy";
import { bundleAuthorizer, bundleLambda } from "./authorizerBundle";
import { ChannelPolicies, channelTopics, type ChannelTopics } from "./channelPolicies";
import { DashboardAuthorizer } from "./dashboardAuthorizer";
import { dashboardConfig, DashboardSite } from "./dashboardSite";
import { compileDeclarations, compileDevice } from "./deployBuild";
import { resolveFeatureAppArgs, type FeatureAppArgs, type ResolvedFeatureAppArgs } from "./featureAppArgs";
import { FeatureSecrets } from "./featureSecrets";
import { FleetStatusApi } from "./fleetStatusApi";
import { JobsApi } from "./jobsApi";
import { ApprovalsApi } from "./approvalsApi";
import { firmwareObjectKey, FirmwareStore } from "./firmwareStore";
import { Fleet, type DeviceCredentials } from "./fleet";
import { iotConnection, stackAwsSettings, type IotConnection, type PlainAwsSettings } from "./iotConnection";
import { OtaJob } from "./otaJob";
import { knownValue } from "./knownValue";
import { RetiredChannelsState } from "./retiredChannelsState";
import { StagedRolloutScheduler } from "./stagedRolloutScheduler";
import { ClaimProvisioning } from "./claimProvisioning";
import { FeatureServer } from "./featureServer";
import { resolveSecretValues } from "./secretValues";

interface FeatureAppData {
  dashboardUrl: pulumi.Output<string>;
  iotEndpoint: string;
  thingGroupArn: pulumi.Output<string>;
  firmwareVersion: pulumi.Output<string>;
  jobId: pulumi.Output<string>;
  manifest: pulumi.Output<Manifest>;
  devices: pulumi.Output<Record<string, DeviceCredentials>>;
  dashboardTokenKey: pulumi.Output<string>;
  topics: Record<string, ChannelTopics>;
  claims: pulumi.Output<Record<string, DeviceCredentials>>;
  alertsTopicArn: pulumi.Output<string | undefined>;
}

export class FeatureApp extends pulumi.ComponentResource<FeatureAppData> {
  readonly app: string;
  /** https://… of the CloudFront distribution; open it with `#token=…` (README, "Deploy to AWS"). */
  declare readonly dashboardUrl: pulumi.Output<string>;
  /** The account's IoT data endpoint (ATS), for devices and the dashboard. */
  declare readonly iotEndpoint: pulumi.Output<string>;
  declare readonly thingGroupArn: pulumi.Output<string>;
  /** manifest.version: sha256 of the device snapshot. */
  declare readonly firmwareVersion: pulumi.Output<string>;
  /** The current OTA job; changes exactly when the device code changes. */
  declare readonly jobId: pulumi.Output<string>;
  declare readonly manifest: pulumi.Output<Manifest>;
  /** Per device: certificate PEM and private key. Secret. */
  declare readonly devices: pulumi.Output<Record<string, DeviceCredentials>>;
  /** HMAC key that signs dashboard tokens (base64url). Secret. */
  declare readonly dashboardTokenKey: pulumi.Output<string>;
  /** Topic pair per declared channel (`+` = any thing). */
  declare readonly topics: pulumi.Output<Record<string, ChannelTopics>>;
  /** Per `fleet.claimBatches` entry: the claim certificate and key to flash. Secret. */
  declare readonly claims: pulumi.Output<Record<string, DeviceCredentials>>;
  /** The SNS topic `api.server.notify` alerts go to (subscribe to it); undefined without server code. */
  declare readonly alertsTopicArn: pulumi.Output<string | undefined>;

  constructor(name: string, args: FeatureAppArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveFeatureAppArgs(name, args);
    // Pulumi records a component's enumerable args as its inputs. Only stable, non-secret ones:
    // absolute paths differ between a laptop and CI (a spurious diff on every `pulumi up`), and
    // secret values must not land in the state in plain. `initialize` still gets all of them.
    const componentArgs = { app: resolved.app, entry: resolved.entry, thingGroup: resolved.thingGroup, devices: resolved.devices, ota: resolved.ota };
    Object.defineProperty(componentArgs, "resolved", { value: resolved, enumerable: false });
    super("snapfleet:index:FeatureApp", name, componentArgs, withAwsProvider(name, resolved, opts));
    this.app = resolved.app;
    const data = this.getData();
    // Each field is read from initialize's result; `apply` lifts the inner Output so its secret
    // flag and dependencies carry over (a secret device key must not make the URL secret).
    const field = <K extends keyof FeatureAppData>(key: K): any => pulumi.output(data.then((d) => d[key])).apply((v) => v);
    this.dashboardUrl = field("dashboardUrl");
    this.iotEndpoint = field("iotEndpoint");
    this.thingGroupArn = field("thingGroupArn");
    this.firmwareVersion = field("firmwareVersion");
    this.jobId = field("jobId");
    this.manifest = field("manifest");
    this.devices = pulumi.secret(field("devices")) as any;
    this.dashboardTokenKey = pulumi.secret(field("dashboardTokenKey")) as any;
    this.topics = field("topics");
    this.claims = pulumi.secret(field("claims")) as any;
    this.alertsTopicArn = field("alertsTopicArn");
  }

  /** The OTA job's AWS settings: those of every other resource here (components/iotConnection.ts). */
  private iotConnection(args: ResolvedFeatureAppArgs, region: string): pulumi.Output<IotConnection> {
    const where = `FeatureApp "${args.app}"`;
    if (!args.aws && this.getProvider("aws:iot/thing:Thing")) {
      throw new Error(
        `${where}: an aws.Provider reaches it through the resource options; the OTA job calls AWS IoT with the AWS SDK and can't read that provider's credentials back. ` +
          `Pass the provider's arguments as \`aws: { region, profile, assumeRoles, … }\` instead (FeatureApp creates the provider from them for all its resources)`,
      );
    }
    const settings = args.aws ? pulumi.output(args.aws) : pulumi.output(stackAwsSettings());
    return pulumi.secret(settings.apply((s) => iotConnection(s as PlainAwsSettings, region, where)));
  }

  /** Topic names of one channel, for other infrastructure (e.g. an IoT topic rule's SQL). */
  channelTopics(channel: string): ChannelTopics {
    const problem = checkName("channel", channel);
    if (problem) throw new Error(`FeatureApp "${this.app}".channelTopics: ${problem}`);
    return channelTopics(this.app, channel);
  }

  protected override async initialize(props: { resolved: ResolvedFeatureAppArgs }): Promise<FeatureAppData> {
    const args = props.resolved;
    const { app } = args;
    const parent = { parent: this };
    const compileInput = { entry: args.entry, app, cwd: args.cwd, board: args.board };

    const declared = await compileDeclarations(compileInput);
    const { declarations } = declared;
    const subscriptions = deviceSubscriptionProblem(app, declarations.channels, (declarations.settings?.length ?? 0) > 0);
    if (subscriptions) throw new Error(subscriptions);
    // Fails the preview, listing every missing secret with its `pulumi config set --secret` command.
    const secrets = resolveSecretValues(app, declarations.secrets, args.secrets);

    const [identity, region, endpoint] = await Promise.all([
      aws.getCallerIdentity({}, parent),
      aws.getRegion({}, parent),
      aws.iot.getEndpoint({ endpointType: "iot:Data-ATS" }, parent),
    ]);
    const scope = { app, region: region.region, account: identity.accountId };
    const connection = this.iotConnection(args, scope.region);

    // Devices still on the build deployed before keep a publish-only right on the channels this
    // one takes from them (core/policy/retiredChannels.ts), decided against that build's channels
    // in the Pulumi state. A plain value: how many policy documents there are names resources.
    const retiredState = new RetiredChannelsState(`${app}-retired-channels`, { app, channels: declarations.channels }, parent);
    const retired = (await knownValue(retiredState.retired)) ?? [];
    const channelPolicies = new ChannelPolicies(`${app}-channels`, { app, channels: declarations.channels, policies: devicePolicyDocuments({ ...scope, channels: declarations.channels, settings: declarations.settings, retired }) }, parent);
    const stages = args.ota.stages;
    const fleet = new Fleet(`${app}-fleet`, { app, thingGroup: args.thingGroup, devices: args.devices, policies: channelPolicies.policies, stages }, parent);
    new FeatureSecrets(`${app}-secrets`, { app, declared: declarations.secrets, values: secrets.values }, parent);

    const device = compileDevice(compileInput, declared, secrets.values);
    // unsecret, justified: the manifest holds names, sha256 hashes and the file:line of each
    // callback only (no value; the compiler's tests check it), and the package's sha256/size are
    // a hash and a size. They are secret-marked only because they were computed inside the apply
    // over secret values, and the job id, object key and dashboard manifest must be plain to be
    // usable. A sha256 over a
    // whole snapshot reveals nothing of the values in it unless a value is guessable, and the
    // version is public by design (devices and the dashboard show it).
    const manifest = pulumi.unsecret(device.apply((d) => d.manifest));
    const packageInfo = pulumi.unsecret(device.apply((d) => ({ sha256: d.packageSha256, size: d.packageSize })));

    const firmware = new FirmwareStore(`${app}-firmware`, { app, sha256: packageInfo.sha256, packageBase64: device.apply((d) => d.packageBase64) }, parent);
    const document = pulumi
      .all([manifest, packageInfo, firmware.bucket.bucket, firmware.bucket.region])
      // The bucket is made by this provider, so its region is the provider's; the bucket's own
      // attribute is empty until AWS answers (and under test mocks that don't set it).
      .apply(([m, pkg, bucket, bucketRegion]) => JSON.stringify(otaJobDocument(m, pkg, s3PresignedUrlPlaceholder(bucketRegion || scope.region, bucket, firmwareObjectKey(app, pkg.sha256)))));
    const job = new OtaJob(
      `${app}-ota`,
      {
        app,
        jobId: manifest.apply((m) => otaJobId(app, m.version)),
        region: scope.region,
        thingGroupArn: fleet.group.arn,
        document,
        presignedUrlRoleArn: firmware.presignRole.arn,
        presignedUrlExpirySeconds: args.ota.presignedUrlExpirySeconds,
        maximumPerMinute: args.ota.maximumPerMinute,
        abortFailurePercent: args.ota.abortFailurePercent,
        minExecutedForAbort: args.ota.minExecutedForAbort,
        inProgressTimeoutMinutes: args.ota.inProgressTimeoutMinutes,
        ...(stages ? { stageGroupArns: pulumi.all(fleet.stageGroups.map((g) => g.arn)) } : {}),
        connection,
      },
      // The artifact must exist before any device is told to fetch it, and AWS must be allowed
      // to read it: the presigned URL carries the role's rights, which start with its policy.
      { ...parent, dependsOn: [firmware.object, firmware.presignPolicy] },
    );

    if (stages) {
      // Staged rollouts: the job starts on stage 1's group; this Lambda adds the next stages or halts it.
      new StagedRolloutScheduler(
        `${app}-rollout`,
        {
          ...scope,
          thingGroup: args.thingGroup,
          stages,
          stageGroupArns: fleet.stageGroups.map((g) => g.arn),
          abortFailurePercent: args.ota.abortFailurePercent,
          minExecutedForAbort: args.ota.minExecutedForAbort,
          code: await bundleLambda("stagedRollout"),
        },
        parent,
      );
    }

    // Onboarding by claim: boards of a batch ask for their identity; an operator approves them.
    const claimProvisioning = args.claimBatches.length
      ? new ClaimProvisioning(
          `${app}-claims`,
          { ...scope, thingGroup: args.thingGroup, batches: args.claimBatches, policies: channelPolicies.policies, stages, code: await bundleLambda("provisioningHook") },
          { ...parent, dependsOn: [fleet.group] },
        )
      : undefined;

    const authorizer = new DashboardAuthorizer(`${app}-dashboard-auth`, { app, account: scope.account, channels: declarations.channels, settings: declarations.settings, code: await bundleAuthorizer() }, parent);
    const fleetStatus = new FleetStatusApi(
      `${app}-fleet-status`,
      { app, code: await bundleLambda("fleetStatus"), keySecretArn: authorizer.keySecretArn, keyVersionId: authorizer.keyVersionId },
      parent,
    );
    const jobsApi = new JobsApi(
      `${app}-jobs-api`,
      { app, region: scope.region, account: scope.account, code: await bundleLambda("jobsApi"), keySecretArn: authorizer.keySecretArn, keyVersionId: authorizer.keyVersionId },
      parent,
    );
    // The onboarding panel's approve / deny, over the table the pre-provisioning hook reads.
    const approvalsApi = claimProvisioning
      ? new ApprovalsApi(
          `${app}-approvals-api`,
          { app, tableName: claimProvisioning.approvals.name, tableArn: claimProvisioning.approvals.arn, code: await bundleLambda("approvalsApi"), keySecretArn: authorizer.keySecretArn, keyVersionId: authorizer.keyVersionId },
          parent,
        )
      : undefined;
    // The cloud half (server code, history, alerts): only when the features have one.
    const server =
      declared.hasServerCode || declarations.channels.some((c) => c.history)
        ? new FeatureServer(
            `${app}-server`,
            {
              ...scope,
              channels: declarations.channels,
              settings: declarations.settings,
              hasServerCode: declared.hasServerCode,
              manifest,
              serverSnapshot: declared.serverSnapshot,
              serverCode: await bundleLambda("featureServer"),
              historyCode: await bundleLambda("historyApi"),
              wasmFile: engineWasmFile(),
              thingGroupName: fleet.group.name,
              thingGroupArn: fleet.group.arn,
              keySecretArn: authorizer.keySecretArn,
              keyVersionId: authorizer.keyVersionId,
            },
            parent,
          )
        : undefined;
    const site = new DashboardSite(
      `${app}-dashboard`,
      {
        app,
        bundleDir: args.dashboardBundleDir,
        manifestJson: manifest.apply((m) => JSON.stringify(m, null, 2)),
        webSnapshotBase64: Buffer.from(declared.webSnapshot).toString("base64"),
        configJson: JSON.stringify(dashboardConfig(app, endpoint.endpointAddress, authorizer.authorizerName, approvalsApi !== undefined), null, 2),
        // CloudFront tries them in this order: the catch-all `/api/*` last.
        apis: [...(approvalsApi ? [approvalsApi.route] : []), jobsApi.route, ...(server?.historyRoute ? [server.historyRoute] : []), fleetStatus.route],
      },
      parent,
    );
    fleetStatus.allowDistribution(site.distribution.arn);
    jobsApi.allowDistribution(site.distribution.arn);
    approvalsApi?.allowDistribution(site.distribution.arn);
    server?.allowDistribution(site.distribution.arn);

    return {
      dashboardUrl: site.url,
      iotEndpoint: endpoint.endpointAddress,
      thingGroupArn: fleet.group.arn,
      firmwareVersion: manifest.apply((m) => m.version),
      jobId: job.jobId,
      manifest,
      devices: fleet.credentials,
      dashboardTokenKey: authorizer.key,
      topics: channelPolicies.topics,
      claims: claimProvisioning?.claims ?? pulumi.output<Record<string, DeviceCredentials>>({}),
      alertsTopicArn: server?.alertsTopicArn ?? pulumi.output<string | undefined>(undefined),
    };
  }
}

/** With `aws` settings, the component gets an aws.Provider made from them (a sibling, so that
 * every child, data sources included, inherits it through the component). */
function withAwsProvider(name: string, args: ResolvedFeatureAppArgs, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions | undefined {
  if (!args.aws) return opts;
  const provider = new aws.Provider(`${name}-aws`, args.aws, { parent: opts?.parent });
  const providers = opts?.providers;
  return { ...opts, providers: Array.isArray(providers) ? [...providers, provider] : { ...(providers ?? {}), aws: provider } };
}

/** The engine the server Lambda runs: the package's own build (core/engine, also under dist/). */
function engineWasmFile(): string {
  return path.join(__dirname, "..", "core", "engine", "microvium.wasm");
}
