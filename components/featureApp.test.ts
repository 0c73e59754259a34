import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MAX_JOB_DOCUMENT_BYTES, parseOtaJobDocument } from "../core/contracts/jobDocument";
import { decodeDevicePackage } from "../core/contracts/devicePackage";
import { evaluatePolicies, topicArn, topicFilterArn, clientArn, type NamedPolicy, type PolicyAction } from "../core/policy";
import { jobTopics, topics } from "../core/contracts/topics";
import { FeatureApp } from "./featureApp";
import { DASHBOARD_BUNDLE_ENV } from "./featureAppArgs";
import { IMMUTABLE_CACHE, NO_CACHE } from "./dashboardFiles";
import { AwsMocks, isSecretInput, MOCK_ACCOUNT, MOCK_IOT_ENDPOINT, MOCK_REGION, OTA_JOB_TYPE, plain, settled, useAwsMocks, valueOf } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const EXAMPLE = path.join(__dirname, "..", "examples", "grow-station", "index.ts");
const SSID = "fixture-ssid-Zq81";
const PASSWORD = "fixture-password-Xk27-not-real";
const EXAMPLE_CONFIG = { "grow-station:secret-ssid": SSID, "grow-station:secret-password": PASSWORD };

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";

describe("FeatureApp on the grow-station example (Pulumi mocks)", function () {
  this.timeout(60_000);
  let mocks: AwsMocks;
  let exports: Record<string, pulumi.Output<unknown>>;
  const values: Record<string, unknown> = {};

  before(async () => {
    process.env[DASHBOARD_BUNDLE_ENV] = FIXTURE_BUNDLE;
    mocks = await useAwsMocks(EXAMPLE_CONFIG, Object.keys(EXAMPLE_CONFIG));
    delete require.cache[require.resolve(EXAMPLE)];
    exports = require(EXAMPLE);
    for (const [name, output] of Object.entries(exports)) values[name] = await valueOf(output);
    await settled(mocks);
  });
  after(() => {
    delete process.env[DASHBOARD_BUNDLE_ENV];
  });

  it("creates every resource with its key inputs", () => {
    const count = (type: string) => mocks.ofType(type).length;
    assert.equal(count("aws:iot/policy:Policy"), 2, "one base policy + the 4 channels packed into one");
    assert.deepEqual(mocks.ofType("aws:iot/thing:Thing").map((t) => t.inputs.name), ["greenhouse-1", "greenhouse-2"]);
    assert.equal(mocks.one("aws:iot/thingGroup:ThingGroup").inputs.name, "grow-stations");
    assert.equal(count("aws:iot/certificate:Certificate"), 2);
    for (const attachment of mocks.ofType("aws:iot/thingPrincipalAttachment:ThingPrincipalAttachment")) assert.equal(attachment.inputs.thingPrincipalType, "EXCLUSIVE_THING");
    assert.equal(count("aws:iot/thingPrincipalAttachment:ThingPrincipalAttachment"), 2);
    assert.equal(count("aws:iot/policyAttachment:PolicyAttachment"), 4, "2 policies on each of 2 certificates");
    assert.deepEqual(mocks.ofType("aws:iot/thingGroupMembership:ThingGroupMembership").map((m) => [m.inputs.thingName, m.inputs.thingGroupName]), [
      ["greenhouse-1", "grow-stations"],
      ["greenhouse-2", "grow-stations"],
    ]);

    const secretNames = mocks.ofType("aws:secretsmanager/secret:Secret").map((s) => s.inputs.namePrefix).sort();
    assert.deepEqual(secretNames, ["snapfleet/grow-station/dashboard-token-key-", "snapfleet/grow-station/password-", "snapfleet/grow-station/ssid-"]);
    assert.equal(count("aws:secretsmanager/secretVersion:SecretVersion"), 3);

    assert.equal(count("aws:s3/bucket:Bucket"), 2, "dashboard + firmware");
    for (const block of mocks.ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) {
      assert.deepEqual([block.inputs.blockPublicAcls, block.inputs.blockPublicPolicy, block.inputs.ignorePublicAcls, block.inputs.restrictPublicBuckets], [true, true, true, true]);
    }
    assert.equal(count("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"), 2);
    for (const sse of mocks.ofType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")) {
      assert.equal(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
    }
    assert.equal(count("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"), 2);
    const versioning = mocks.one("aws:s3/bucketVersioning:BucketVersioning");
    assert.equal(versioning.inputs.versioningConfiguration.status, "Enabled");
    assert.match(versioning.name, /firmware/);

    const cdn = mocks.one("aws:cloudfront/distribution:Distribution");
    assert.equal(cdn.inputs.defaultRootObject, "index.html");
    assert.equal(cdn.inputs.defaultCacheBehavior.viewerProtocolPolicy, "redirect-to-https");
    assert.equal(cdn.inputs.origins[0].originAccessControlId, "grow-station-dashboard-oac-id");
    assert.equal(mocks.one("aws:cloudfront/originAccessControl:OriginAccessControl", "dashboard-oac").inputs.signingBehavior, "always");
    const bucketPolicy = JSON.parse(mocks.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
    assert.deepEqual(bucketPolicy.Statement[0].Principal, { Service: "cloudfront.amazonaws.com" });
    assert.match(bucketPolicy.Statement[0].Condition.StringEquals["AWS:SourceArn"], /distribution/);

    const fn = mocks.one("aws:lambda/function:Function", "dashboard-auth");
    assert.equal(fn.inputs.handler, "index.handler");
    assert.equal(fn.inputs.environment.variables.SNAPFLEET_APP, "grow-station");
    assert.equal(JSON.parse(fn.inputs.environment.variables.SNAPFLEET_CHANNELS).length, 4);
    const authorizer = mocks.one("aws:iot/authorizer:Authorizer");
    assert.deepEqual([authorizer.inputs.name, authorizer.inputs.signingDisabled, authorizer.inputs.status], ["sf-grow-station-dashboard", true, "ACTIVE"]);
    assert.equal(mocks.one("aws:lambda/permission:Permission", "dashboard-auth").inputs.principal, "iot.amazonaws.com");
    const presignPolicy = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "firmware-presign").inputs.policy);
    assert.deepEqual(presignPolicy.Statement[0].Action, ["s3:GetObject"]);
    assert.match(presignPolicy.Statement[0].Resource, /\/grow-station\/\*$/);

    const job = mocks.one(OTA_JOB_TYPE);
    assert.equal(job.inputs.jobId, values.jobId);
    assert.match(String(values.jobId), /^grow-station-[0-9a-f]{16}$/);
    assert.deepEqual([job.inputs.maximumPerMinute, job.inputs.abortFailurePercent, job.inputs.region], [50, 20, MOCK_REGION]);

    // The example's own infrastructure: the topic rule reads the temperature channel's up topic.
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "temperature");
    assert.match(rule.inputs.sql, /FROM 'sf\/grow-station\/\+\/temperature\/up'/);
    assert.equal(rule.inputs.dynamodbv2s[0].putItem.tableName, "temperature-readings");
    assert.equal(values.iotEndpoint, MOCK_IOT_ENDPOINT);
    assert.equal(values.dashboardUrl, "https://d1234abcd.cloudfront.net/");
  });

  it("device policies allow exactly the topics the device runtime uses, for its own thing only", () => {
    const policies: NamedPolicy[] = mocks.ofType("aws:iot/policy:Policy").map((p) => ({ name: p.inputs.name, document: JSON.parse(p.inputs.policy) }));
    const app = "grow-station";
    const me = "greenhouse-1";
    const other = "greenhouse-2";
    const can = (action: PolicyAction, resource: string, thing = me) => evaluatePolicies(policies, { action, resource, context: { thingName: thing, clientId: thing } }).allowed;
    const topic = (t: string) => topicArn(MOCK_REGION, MOCK_ACCOUNT, t);
    const filter = (t: string) => topicFilterArn(MOCK_REGION, MOCK_ACCOUNT, t);

    assert.ok(can("iot:Connect", clientArn(MOCK_REGION, MOCK_ACCOUNT, me)));
    assert.ok(!can("iot:Connect", clientArn(MOCK_REGION, MOCK_ACCOUNT, other)), "connect as another thing");
    // Channels (see firmware/supervisor.ts): up where the device may send, down + broadcast where it may receive.
    const expectations: [string, boolean, boolean][] = [
      ["event-log", true, false],
      ["temperature", true, true],
      ["soil-moisture", true, true],
      ["grow-light", false, true],
    ];
    for (const [channel, sends, receives] of expectations) {
      assert.equal(can("iot:Publish", topic(topics.up(app, me, channel))), sends, `${channel} up`);
      for (const down of [topics.down(app, me, channel), topics.broadcastDown(app, channel)]) {
        assert.equal(can("iot:Subscribe", filter(down)), receives, `${channel} subscribe ${down}`);
        assert.equal(can("iot:Receive", topic(down)), receives, `${channel} receive ${down}`);
      }
      assert.ok(!can("iot:Publish", topic(topics.up(app, other, channel))), `${channel} up of another thing`);
      assert.ok(!can("iot:Subscribe", filter(topics.down(app, other, channel))), `${channel} down of another thing`);
      assert.ok(!can("iot:Publish", topic(topics.down(app, me, channel))), `${channel}: a device never publishes down`);
    }
    assert.ok(can("iot:Publish", topic(topics.status(app, me))) && can("iot:RetainPublish", topic(topics.status(app, me))));
    assert.ok(can("iot:Publish", topic(topics.log(app, me))));
    assert.ok(!can("iot:Publish", topic(topics.status(app, other))));
    for (const request of [jobTopics.startNext(me), jobTopics.jobUpdate(me, "grow-station-0123456789abcdef"), jobTopics.get(me)]) {
      assert.ok(can("iot:Publish", topic(request)), request);
    }
    assert.ok(can("iot:Subscribe", filter(`${jobTopics.notifyNext(me)}`)) && can("iot:Receive", topic(jobTopics.notifyNext(me))));
    assert.ok(!can("iot:Receive", topic(jobTopics.notifyNext(other))), "another thing's job notifications");
    assert.ok(!can("iot:Publish", topic(jobTopics.startNext(other))), "another thing's job requests");
    assert.ok(!can("iot:Subscribe", filter("sf/grow-station/#")), "a wildcard over the whole app");
  });

  it("stores the device package under its sha256 and points a valid job document at it", async () => {
    const firmware = mocks.ofType(OBJECT).find((o) => o.name.includes("firmware"))!;
    assert.ok(isSecretInput(firmware.inputs.contentBase64), "the device package holds secret values: it must be a secret input");
    const bytes = Buffer.from(plain(firmware.inputs.contentBase64), "base64");
    const pkg = decodeDevicePackage(bytes);
    const job = mocks.one(OTA_JOB_TYPE);
    const document = parseOtaJobDocument(JSON.parse(job.inputs.document));
    assert.ok(Buffer.byteLength(job.inputs.document) <= MAX_JOB_DOCUMENT_BYTES);
    assert.equal(firmware.inputs.key, `grow-station/${document.sha256}.sfpk`);
    assert.equal(document.size, bytes.length);
    assert.equal(document.version, pkg.manifest.version);
    assert.equal(document.version, values.firmwareVersion);
    assert.equal(document.url, `\${aws:iot:s3-presigned-url-v2:https://s3.${MOCK_REGION}.amazonaws.com/grow-station-firmware-bucket-bucket/grow-station/${document.sha256}.sfpk}`);
    assert.equal(firmware.inputs.checksumAlgorithm, "SHA256");
  });

  it("keeps secret values out of plain outputs and dashboard objects; credentials, key and package are secret", async () => {
    for (const [name, output] of Object.entries(exports)) {
      const secret = await pulumi.isSecret(output);
      assert.equal(secret, ["devices", "dashboardTokenKey"].includes(name), `output ${name} secret flag`);
      if (!secret) for (const value of [SSID, PASSWORD]) assert.ok(!JSON.stringify(values[name]).includes(value), `output ${name} holds a secret value`);
    }
    const devices = values.devices as Record<string, { certificatePem: string; privateKey: string }>;
    assert.match(devices["greenhouse-2"].privateKey, /PRIVATE KEY/);
    const siteObjects = mocks.ofType(OBJECT).filter((o) => o.name.includes("dashboard"));
    assert.equal(siteObjects.length, 5);
    for (const object of siteObjects) {
      const text = object.inputs.content ?? (object.inputs.contentBase64 ? Buffer.from(object.inputs.contentBase64, "base64").toString("latin1") : "");
      for (const value of [SSID, PASSWORD]) assert.ok(!text.includes(value), `${object.inputs.key} holds a secret value`);
    }
    // The device package is where the values belong (proves the check above can see them).
    const firmware = mocks.ofType(OBJECT).find((o) => o.name.includes("firmware"))!;
    assert.ok(Buffer.from(plain(firmware.inputs.contentBase64), "base64").toString("latin1").includes(PASSWORD));
    for (const version of mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion")) assert.ok(isSecretInput(version.inputs.secretString), `${version.name} secretString`);
    const job = mocks.one(OTA_JOB_TYPE);
    assert.ok(!isSecretInput(job.inputs.document) && !isSecretInput(job.inputs.jobId), "job id and document are plain (hashes and names only)");
    const app = mocks.one("snapfleet:index:FeatureApp");
    assert.ok(!JSON.stringify(app.inputs).includes(PASSWORD), "component inputs hold no plain secret");
    // Only stable inputs are recorded: an absolute path would differ between a laptop and CI.
    assert.deepEqual(Object.keys(app.inputs).sort(), ["app", "devices", "entry", "ota", "thingGroup"]);
  });

  it("uploads the dashboard with content types, cache headers and the connection config", () => {
    const byKey = Object.fromEntries(mocks.ofType(OBJECT).filter((o) => o.name.includes("dashboard")).map((o) => [o.inputs.key, o.inputs]));
    assert.deepEqual(Object.keys(byKey).sort(), ["app.K3J4H5G6.js", "dashboard-config.json", "index.html", "manifest.json", "web.snap"]);
    assert.deepEqual([byKey["index.html"].contentType, byKey["index.html"].cacheControl], ["text/html; charset=utf-8", NO_CACHE]);
    assert.deepEqual([byKey["app.K3J4H5G6.js"].contentType, byKey["app.K3J4H5G6.js"].cacheControl], ["text/javascript; charset=utf-8", IMMUTABLE_CACHE]);
    assert.deepEqual([byKey["web.snap"].contentType, byKey["web.snap"].cacheControl], ["application/octet-stream", NO_CACHE]);
    assert.equal(byKey["manifest.json"].cacheControl, NO_CACHE);
    assert.equal(JSON.parse(byKey["manifest.json"].content).version, values.firmwareVersion);
    assert.deepEqual(JSON.parse(byKey["dashboard-config.json"].content), {
      app: "grow-station",
      mqtt: { url: `wss://${MOCK_IOT_ENDPOINT}/mqtt`, username: "dashboard?x-amz-customauthorizer-name=sf-grow-station-dashboard" },
    });
  });
});

describe("README \"What gets created\"", () => {
  it("has a row for every component FeatureApp may create", () => {
    const root = path.join(__dirname, "..");
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const table = readme.split("### What gets created")[1]?.split("\n\n")[1] ?? "";
    const rows = new Set([...table.matchAll(/^\| `(\w+)`/gm)].map((m) => m[1]));
    const components = new Set<string>();
    for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      for (const [, name] of fs.readFileSync(path.join(__dirname, file), "utf8").matchAll(/"snapfleet:\w+:(\w+)"/g)) components.add(name);
    }
    components.delete("FeatureApp");
    assert.ok(components.size >= 10, `found the component types: ${[...components].join(", ")}`);
    assert.deepEqual([...components].filter((c) => !rows.has(c)).sort(), [], "components without a row");
  });
});

describe("README's own-project program (\"Use it in your own project\")", () => {
  const root = path.join(__dirname, "..");
  const fixture = fs.readFileSync(path.join(root, "test", "fixtures", "own-project", "index.ts"), "utf8");

  it("is test/fixtures/own-project/index.ts, which the packed-install test runs", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const section = readme.split("## Use it in your own project")[1].split("\n## ")[0];
    const program = /```ts\n(import \{ FeatureApp \} from "snapfleet";[^]*?)```/.exec(section)?.[1];
    assert.equal(program, fixture);
  });

  it("exports every stack output the docs and the CI example read with `pulumi stack output`", () => {
    const exported = new Set([...fixture.matchAll(/^export const (\w+) =/gm)].map((m) => m[1]));
    const read = new Map<string, string>();
    for (const page of ["README.md", "docs/aws-iot.md", "docs/onboarding-by-claim.md", "docs/staged-rollouts.md", "firmware/native/README.md", "examples/ci/deploy-fleet.yml"]) {
      for (const [, name] of fs.readFileSync(path.join(root, page), "utf8").matchAll(/pulumi stack output (\w+)/g)) read.set(name, page);
    }
    // `claims` exists only with fleet.claimBatches; its page says to export it (`app.claims`).
    read.delete("claims");
    assert.ok(read.size >= 4, [...read.keys()].join(", "));
    assert.deepEqual([...read].filter(([name]) => !exported.has(name)).map(([name, page]) => `${name} (${page})`), []);
  });
});

describe("the repository's Pulumi.yaml", () => {
  it("runs the grow-station program through tsx, which is installed", () => {
    const root = path.join(__dirname, "..");
    const project = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    const main = /^main:\s*(\S+)\s*$/m.exec(project)?.[1];
    assert.equal(main, "examples/grow-station/index.ts");
    assert.ok(fs.existsSync(path.join(root, main)));
    assert.match(project, /^\s+typescript: false$/m);
    assert.match(project, /^\s+nodeargs: "--import tsx"$/m);
    assert.ok(require.resolve("tsx", { paths: [root] }));
  });
});

describe("FeatureApp versions: which changes make a new OTA job", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-featureapp-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const SECRET = "fixture-token-Qw93";
  function features(deviceValue: number, webText: string): string {
    const file = path.join(dir, `app-${deviceValue}-${webText}.ts`);
    fs.writeFileSync(
      file,
      `export function App(api: any) {
  const level = api.newCommsChannel("level", { qos: 0 });
  const token = api.defineSecret("token");
  api.mcu.setInterval(() => level.pushMessageToServer(${deviceValue}), 1000);
  api.mcu.onStart(() => api.log(token.value === "" ? "no token" : "token set"));
  api.registerUiControl((el: any) => el.setText("${webText}"), { title: "Level" });
}
`,
    );
    return file;
  }

  async function deploy(entry: string) {
    const mocks = await useAwsMocks();
    const app = new FeatureApp("tank", { entry, fleet: { devices: ["tank-1"] }, secrets: { token: SECRET }, dashboardBundleDir: FIXTURE_BUNDLE });
    const jobId = await valueOf(app.jobId);
    await valueOf(app.dashboardUrl);
    await settled(mocks);
    const web = mocks.ofType(OBJECT).find((o) => o.inputs.key === "web.snap")!;
    return { jobId, webSnap: web.inputs.contentBase64 as string, mocks };
  }

  it("same features: same job id; device change: new job id; web-only change: new dashboard objects, same job", async () => {
    const base = await deploy(features(1, "A"));
    const again = await deploy(features(1, "A"));
    const deviceChanged = await deploy(features(2, "A"));
    const webChanged = await deploy(features(1, "B"));
    assert.equal(again.jobId, base.jobId);
    assert.equal(again.webSnap, base.webSnap);
    assert.notEqual(deviceChanged.jobId, base.jobId);
    assert.equal(webChanged.jobId, base.jobId);
    assert.notEqual(webChanged.webSnap, base.webSnap);
    assert.ok(!Buffer.from(base.webSnap, "base64").toString("latin1").includes(SECRET));
    assert.equal(base.mocks.one("aws:iot/thingGroup:ThingGroup").inputs.name, "tank", "thing group defaults to the app name");
  });
});
