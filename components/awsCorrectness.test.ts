/** Issue 16 ("AWS correctness"), the Pulumi side: what mocks can show of a deployment that would
 * break after `pulumi up` (policy attachments, dependencies, names, types, AWS settings). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { s3PresignedUrlPlaceholder } from "../core/contracts/jobDocument";
import { MAX_POLICIES_PER_CERTIFICATE } from "../core/policy";
import { autoNamedResources, maxFittingAppLength } from "../core/contracts/awsNames";
import { FeatureApp } from "./featureApp";
import type { FeatureAppArgs } from "./featureAppArgs";
import { resolveFeatureAppArgs } from "./featureAppArgs";
import type { IotConnection } from "./iotConnection";
import { AwsMocks, isSecretInput, MOCK_REGION, plain, settled, useAwsMocks, valueOf } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const ATTACHMENT = "aws:iot/policyAttachment:PolicyAttachment";
const OTA_JOB = "pulumi-nodejs:dynamic/snapfleet:OtaJob";
const DASHBOARD_KEY = "pulumi-nodejs:dynamic/snapfleet:DashboardKey";
/** The OTA job, whatever its type token (item 9 has its own test). */
const otaJob = (mocks: AwsMocks) => mocks.resources.find((r) => r.name === "tank-ota" && r.type.startsWith("pulumi-nodejs:dynamic"))!;

describe("FeatureApp on AWS: what would break after pulumi up (Pulumi mocks)", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-aws-correctness-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A features module the way people write one: channels, a secret, a UI control. */
  function features(channels: readonly string[]): string {
    const file = path.join(dir, `app-${channels.length}-${channels.join("-").length}-${Math.random().toString(36).slice(2, 8)}.ts`);
    const lines = channels.map((c, i) => `  const c${i} = api.newCommsChannel("${c}", { qos: 1 });\n  api.mcu.setInterval(() => c${i}.pushMessageToServer(${i}), 1000);`);
    fs.writeFileSync(file, `export function App(api: any) {\n${lines.join("\n")}\n  api.registerUiControl((el: any) => el.setText("hi"), { title: "T" });\n}\n`);
    return file;
  }

  interface Deployment {
    mocks: AwsMocks;
    app: FeatureApp;
    /** Recorded per resource: type, name, and the options Pulumi got (via a transformation). */
    options: Map<string, pulumi.ResourceOptions>;
  }

  async function deploy(entry: string, extra: Partial<FeatureAppArgs> = {}, config: Record<string, string> = {}, opts: pulumi.ComponentResourceOptions = {}): Promise<Deployment> {
    const mocks = await useAwsMocks(config);
    const options = new Map<string, pulumi.ResourceOptions>();
    const record: pulumi.ResourceTransformation = (args) => {
      options.set(`${args.type}::${args.name}`, args.opts);
      return undefined;
    };
    const app = new FeatureApp("tank", { entry, fleet: { devices: ["tank-1", "tank-2"] }, dashboardBundleDir: FIXTURE_BUNDLE, ...extra }, { ...opts, transformations: [record] });
    await valueOf(app.jobId);
    await valueOf(app.dashboardUrl);
    await settled(mocks);
    return { mocks, app, options };
  }

  /** Deploys `channels`, then the same app without `removed`: a mocked update. */
  async function removeChannel(channels: string[], removed: string) {
    const before = await deploy(features(channels));
    const after = await deploy(features(channels.filter((c) => c !== removed)));
    const attachments = (d: Deployment) => new Map(d.mocks.ofType(ATTACHMENT).map((a) => [a.name, `${a.inputs.policy} -> ${a.inputs.target}`]));
    const old = attachments(before);
    const now = attachments(after);
    // Same name = same URN: it must attach the same policy to the same certificate (else Pulumi
    // replaces it, and the old one's DetachPolicy takes away what the new one attached).
    for (const [name, pair] of now) if (old.has(name)) assert.equal(pair, old.get(name), `attachment ${name} would be replaced`);
    // And every pair that stays attached keeps its attachment (no create-then-delete of a pair).
    const nameOf = (m: Map<string, string>, pair: string) => [...m].find(([, p]) => p === pair)?.[0];
    for (const pair of now.values()) if (nameOf(old, pair)) assert.equal(nameOf(now, pair), nameOf(old, pair), `pair ${pair} moved to another attachment`);
    return { old, now, after };
  }

  it("item 2: removing a channel replaces no policy attachment of what remains (attachments named by policy + thing)", async () => {
    const { now } = await removeChannel(["temperature", "humidity", "light"], "humidity");
    for (const name of now.keys()) assert.match(name, /^tank-fleet-tank-[12]-sf-tank-device-(base|channels-\d+)$/);
  });

  it("item 2: the same when the channels' rights span several packed policies", async () => {
    // Long names, so the channels' rights span several packed policies.
    const channels = Array.from({ length: 12 }, (_, i) => `soil-moisture-sensor-${i}`);
    const { old, after } = await removeChannel(channels, "soil-moisture-sensor-3");
    assert.ok(new Set(old.values()).size >= 3 * 2, `several policies per certificate: ${[...old.values()].join(", ")}`);
    assert.ok(after.mocks.ofType("aws:iot/policy:Policy").length <= MAX_POLICIES_PER_CERTIFICATE);
  });

  it("quotas: more receiving channels than AWS's 50 subscriptions per connection allow fail the preview, saying what to do", async () => {
    await useAwsMocks();
    const app = new FeatureApp("tank", { entry: features(Array.from({ length: 24 }, (_, i) => `ch-${i}`)), dashboardBundleDir: FIXTURE_BUNDLE });
    await assert.rejects(valueOf(app.jobId), /app "tank": devices receive on 24 channels, which takes 53 MQTT subscriptions.*allows 50 per connection\. Receive on at most 22 channels/);
  });

  it("item 5: the OTA job depends on the firmware object and on the presign role's policy", async () => {
    const { options } = await deploy(features(["level"]));
    const jobOptions = [...options].find(([key]) => key.startsWith("pulumi-nodejs:dynamic") && key.endsWith("::tank-ota"))?.[1];
    assert.ok(jobOptions, `OtaJob registered: ${[...options.keys()].filter((k) => k.includes("dynamic")).join(", ")}`);
    const dependsOn = ([] as pulumi.Resource[]).concat((jobOptions.dependsOn as pulumi.Resource[]) ?? []);
    const urns = await Promise.all(dependsOn.map((r) => valueOf(r.urn)));
    assert.ok(urns.some((u) => u.endsWith("aws:iam/rolePolicy:RolePolicy::tank-firmware-presign-read")), urns.join("\n"));
    assert.ok(urns.some((u) => u.endsWith("aws:s3/bucketObjectv2:BucketObjectv2::tank-firmware-package")), urns.join("\n"));
  });

  it("item 4: the job document holds the documented -v2 placeholder with the bucket's regional S3 host", async () => {
    const { mocks } = await deploy(features(["level"]));
    const url = JSON.parse(otaJob(mocks).inputs.document).url;
    assert.match(url, new RegExp(`^\\$\\{aws:iot:s3-presigned-url-v2:https://s3\\.${MOCK_REGION}\\.amazonaws\\.com/tank-firmware-bucket-bucket/tank/[0-9a-f]{64}\\.sfpk\\}$`));
    assert.equal(s3PresignedUrlPlaceholder("cn-north-1", "b", "k"), "${aws:iot:s3-presigned-url-v2:https://s3.cn-north-1.amazonaws.com.cn/b/k}");
    assert.throws(() => s3PresignedUrlPlaceholder("s3.amazonaws.com", "b", "k"), /region "s3.amazonaws.com" is not an AWS region name/);
  });

  it("item 9: dynamic resources have proper type tokens (package:module:type) and alias their old ones", async () => {
    const { mocks, options } = await deploy(features(["level"]));
    for (const type of [OTA_JOB, DASHBOARD_KEY]) {
      assert.equal(mocks.ofType(type).length, 1, `one ${type}: ${mocks.resources.filter((r) => r.type.includes("dynamic")).map((r) => r.type).join(", ")}`);
      assert.equal(type.split(":").length, 3, type);
    }
    const aliases = (key: string) => (options.get(key)?.aliases ?? []).map((a) => (typeof a === "string" ? a : (a as pulumi.Alias).type));
    assert.ok(aliases(`${OTA_JOB}::tank-ota`).includes("pulumi-nodejs:dynamic/snapfleet:ota:OtaJob:Resource"));
    assert.ok(aliases(`${DASHBOARD_KEY}::tank-dashboard-auth-key`).includes("pulumi-nodejs:dynamic/snapfleet:dashboard:DashboardKey:Resource"));
  });

  it("item 8: the auto-named resources whose name limits the app name are the ones checked", async () => {
    const { mocks } = await deploy(features(["level"]));
    for (const [type, names] of Object.entries(autoNamedResources("tank"))) {
      const registered = mocks.ofType(type).filter((r) => r.inputs.name === undefined && r.inputs.bucket === undefined).map((r) => r.name);
      assert.deepEqual(registered.sort(), [...names].sort(), type);
    }
  });

  it("item 7: `aws` settings make the provider of every AWS resource and the OTA job's connection (secret)", async () => {
    const settings = {
      region: "eu-west-1",
      profile: "fleet-admin",
      assumeRoles: [{ roleArn: "arn:aws:iam::111122223333:role/deployer", sessionName: "ci", externalId: "ext-1", duration: "1h" }],
      endpoints: [{ iot: "https://iot.example.test" }],
    };
    const { mocks } = await deploy(features(["level"]), { aws: settings });
    const provider = mocks.one("pulumi:providers:aws", "tank-aws");
    assert.deepEqual([provider.inputs.profile, provider.inputs.region], ["fleet-admin", "eu-west-1"]);
    const awsResources = mocks.resources.filter((r) => r.type.startsWith("aws:"));
    assert.ok(awsResources.length > 20);
    for (const r of awsResources) assert.match(String(r.provider), /pulumi:providers:aws::tank-aws::/, `${r.type} ${r.name} uses another provider`);
    const job = otaJob(mocks);
    assert.ok(isSecretInput(job.inputs.connection), "the connection is a secret input");
    assert.deepEqual(plain<IotConnection>(job.inputs.connection), {
      region: MOCK_REGION,
      profile: "fleet-admin",
      assumeRoles: [{ roleArn: "arn:aws:iam::111122223333:role/deployer", sessionName: "ci", externalId: "ext-1", durationSeconds: 3600 }],
      iotEndpoint: "https://iot.example.test",
    });
  });

  it("item 7: without `aws`, the OTA job uses the stack's aws: config, as the default provider does", async () => {
    const config = { "aws:profile": "from-stack", "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::111122223333:role/stack-role" }]) };
    const { mocks } = await deploy(features(["level"]), {}, config);
    assert.deepEqual(plain<IotConnection>(otaJob(mocks).inputs.connection), {
      region: MOCK_REGION,
      profile: "from-stack",
      assumeRoles: [{ roleArn: "arn:aws:iam::111122223333:role/stack-role" }],
    });
  });

  it("item 7: an aws.Provider passed in the options without `aws` settings fails the preview, saying what to do", async () => {
    await useAwsMocks();
    const provider = new aws.Provider("elsewhere", { region: "eu-west-1", profile: "other" });
    const app = new FeatureApp("tank", { entry: features(["level"]), dashboardBundleDir: FIXTURE_BUNDLE }, { providers: [provider] });
    await assert.rejects(valueOf(app.jobId), /FeatureApp "tank": an aws.Provider reaches it through the resource options.*Pass the provider's arguments as `aws: \{/s);
  });
});

describe("FeatureApp arguments: names AWS would refuse fail up front (item 8)", () => {
  it("a 48-character app name: one line per AWS name it would make too long, with the limit and what to do", () => {
    const app = "a".repeat(48);
    const error = (() => {
      try {
        resolveFeatureAppArgs("x", { entry: "a.ts", app });
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    const lines = error.split("\n").filter((l) => l.startsWith("  - app:"));
    assert.ok(lines.some((l) => /OTA job id 65 characters; AWS allows 64 \(https:\/\/docs\.aws\.amazon\.com\/iot\/latest\/apireference\/API_CreateJob\.html\)/.test(l)), error);
    assert.ok(lines.some((l) => /S3 bucket name \(auto-named from "a{48}-firmware-bucket"\) 72 characters; AWS allows 63/.test(l)), error);
    assert.ok(lines.some((l) => /IAM role name .* AWS allows 64/.test(l)), error);
    for (const line of lines) assert.match(line, new RegExp(`Use an app name of at most ${maxFittingAppLength()} characters \\(pass \`app\``));
  });

  it("the longest app name that fits passes; one more character fails", () => {
    const longest = maxFittingAppLength();
    assert.ok(longest >= 30, `app names up to ${longest} characters`);
    assert.doesNotThrow(() => resolveFeatureAppArgs("x", { entry: "a.ts", app: "a".repeat(longest) }));
    assert.throws(() => resolveFeatureAppArgs("x", { entry: "a.ts", app: "a".repeat(longest + 1) }), /app: app "a+" \(\d+ characters\) makes the/);
  });

  it("a component name used as the app name says to pass `app`", () => {
    assert.throws(() => resolveFeatureAppArgs("my-very-long-component-name-for-the-greenhouse-fleet", { entry: "a.ts" }), /pass `app`; it defaults to the component name/);
  });
});
