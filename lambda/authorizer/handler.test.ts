import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeDashboardKey, mintDashboardToken } from "../../core/contracts/dashboardToken";
import type { ChannelDecl } from "../../core/contracts/manifest";
import { dashboardPolicyDocument, evaluatePolicies, topicArn, topicFilterArn, clientArn, type PolicyDocument } from "../../core/policy";
import { topics } from "../../core/contracts/topics";
import { createAuthorizerHandler } from "./handler";
import type { IotAuthorizerEvent } from "./authorizerEvent";
import { AUTHORIZER_ENV } from "./index";
import { bundleAuthorizer } from "../../components/authorizerBundle";

const APP = "grow-station";
const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const KEY = Buffer.alloc(32, 9);
const NOW = Date.UTC(2026, 0, 1);
const CHANNELS: ChannelDecl[] = [
  { name: "temperature", qos: 0, direction: "both", replay: 0 },
  { name: "event-log", qos: 1, direction: "device-to-server", replay: 20 },
];

function handlerWith(log: string[] = []) {
  return createAuthorizerHandler({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS, loadKey: async () => KEY, log: (l) => log.push(l), now: () => NOW });
}

function connectEvent(password: string | undefined, clientId = "sf-grow-station-dashboard-tab1"): IotAuthorizerEvent {
  return {
    token: undefined,
    signatureVerified: false,
    protocols: ["tls", "mqtt"],
    protocolData: {
      tls: { serverName: "a1b2-ats.iot.eu-west-1.amazonaws.com" },
      mqtt: { username: "dashboard?x-amz-customauthorizer-name=sf-grow-station-dashboard", password: password === undefined ? undefined : Buffer.from(password).toString("base64"), clientId },
    },
    connectionMetadata: { id: "e56f08c3-c559-490f-aa9f-7e8427d0f57b" },
  };
}

describe("dashboard authorizer Lambda handler", () => {
  it("accepts a valid token with the dashboard policy, and disconnects when the token expires", async () => {
    const token = mintDashboardToken(KEY, APP, 2 * 60 * 60 * 1000, NOW);
    const response = await handlerWith()(connectEvent(token));
    assert.equal(response.isAuthenticated, true);
    assert.match(response.principalId, /^[A-Za-z0-9]{1,128}$/);
    assert.equal(response.policyDocuments.length, 1);
    const policy = JSON.parse(response.policyDocuments[0]) as PolicyDocument;
    assert.deepEqual(policy, dashboardPolicyDocument({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS }));
    assert.equal(response.disconnectAfterInSeconds, 7200);
    assert.equal(response.refreshAfterInSeconds, 300);

    // What the returned policy lets the dashboard do, judged by the evaluator the local broker uses.
    const context = { clientId: "sf-grow-station-dashboard-tab1" };
    const can = (action: "iot:Publish" | "iot:Subscribe" | "iot:Receive" | "iot:Connect", resource: string) => evaluatePolicies([policy], { action, resource, context }).allowed;
    assert.ok(can("iot:Connect", clientArn(REGION, ACCOUNT, "sf-grow-station-dashboard-tab1")));
    assert.ok(!can("iot:Connect", clientArn(REGION, ACCOUNT, "greenhouse-1")), "take over a device's client id");
    assert.ok(can("iot:Subscribe", topicFilterArn(REGION, ACCOUNT, topics.up(APP, "+", "temperature"))));
    assert.ok(can("iot:Receive", topicArn(REGION, ACCOUNT, topics.up(APP, "greenhouse-1", "temperature"))));
    assert.ok(can("iot:Publish", topicArn(REGION, ACCOUNT, topics.down(APP, "greenhouse-1", "temperature"))));
    assert.ok(!can("iot:Publish", topicArn(REGION, ACCOUNT, topics.down(APP, "greenhouse-1", "event-log"))), "device-to-server channel");
    assert.ok(!can("iot:Publish", topicArn(REGION, ACCOUNT, topics.up(APP, "greenhouse-1", "temperature"))), "impersonate a device");
    assert.ok(!can("iot:Subscribe", topicFilterArn(REGION, ACCOUNT, "sf/other-app/+/temperature/up")), "another app");
    assert.ok(!can("iot:Publish", topicArn(REGION, ACCOUNT, "$aws/things/greenhouse-1/jobs/start-next")), "forge OTA progress");
  });

  it("gives an operator token the operator's dashboard policy (core/contracts/dashboardRoles.ts), and a viewer's the viewer's", async () => {
    const policyOf = async (token: string) => JSON.parse((await handlerWith()(connectEvent(token))).policyDocuments[0]) as PolicyDocument;
    const args = { app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS };
    assert.deepEqual(await policyOf(mintDashboardToken(KEY, APP, 60_000, NOW, "operator")), dashboardPolicyDocument({ ...args, role: "operator" }));
    assert.deepEqual(await policyOf(mintDashboardToken(KEY, APP, 60_000, NOW)), dashboardPolicyDocument(args));
    // A viewer's signature under an operator claim is refused outright.
    const forged = mintDashboardToken(KEY, APP, 60_000, NOW).replace("sfdash.", "sfdash.operator.");
    assert.equal((await handlerWith()(connectEvent(forged))).isAuthenticated, false);
  });

  it("keeps AWS's 300 s minimum connection time for a token about to expire", async () => {
    const token = mintDashboardToken(KEY, APP, 10_000, NOW);
    const response = await handlerWith()(connectEvent(token));
    assert.equal(response.isAuthenticated, true);
    assert.equal(response.disconnectAfterInSeconds, 300);
  });

  const refusals: [string, () => IotAuthorizerEvent, RegExp][] = [
    ["no password", () => connectEvent(undefined), /no dashboard token/],
    ["a malformed token", () => connectEvent("hello"), /malformed/],
    ["an expired token", () => connectEvent(mintDashboardToken(KEY, APP, 1000, NOW - 5000)), /expired/],
    ["a token signed with another key", () => connectEvent(mintDashboardToken(Buffer.alloc(32, 1), APP, 60_000, NOW)), /signature is wrong/],
    ["a token of another app", () => connectEvent(mintDashboardToken(KEY, "other-app", 60_000, NOW)), /signature is wrong/],
    ["a client id without the dashboard prefix", () => connectEvent(mintDashboardToken(KEY, APP, 60_000, NOW), "greenhouse-1"), /client id "greenhouse-1"/],
    ["a connection that is not MQTT", () => ({ protocols: ["tls", "http"], protocolData: { http: { headers: {} } } }), /not an MQTT connection/],
  ];
  for (const [what, event, reason] of refusals) {
    it(`refuses ${what}, with no policy, and logs why without the token`, async () => {
      const log: string[] = [];
      const e = event();
      const response = await handlerWith(log)(e);
      assert.equal(response.isAuthenticated, false);
      assert.deepEqual(response.policyDocuments, []);
      assert.equal(log.length, 1);
      assert.match(log[0], reason);
      const password = e.protocolData?.mqtt?.password;
      if (password) assert.ok(!log[0].includes(Buffer.from(password, "base64").toString()), "the token must not be logged");
    });
  }

  it("bundles the same code whatever the working directory (no spurious Lambda update)", async function () {
    this.timeout(20_000);
    const here = process.cwd();
    const fromRoot = await bundleAuthorizer();
    process.chdir(os.tmpdir());
    try {
      assert.equal(await bundleAuthorizer(), fromRoot);
    } finally {
      process.chdir(here);
    }
  });

  it("bundles into a self-contained Lambda file that reads its key from Secrets Manager", async function () {
    this.timeout(20_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-authorizer-"));
    try {
      fs.writeFileSync(path.join(dir, "index.js"), await bundleAuthorizer());
      // Stand-in for the SDK that the Lambda runtime provides (the bundle leaves it external).
      const sdkDir = path.join(dir, "node_modules", "@aws-sdk", "client-secrets-manager");
      fs.mkdirSync(sdkDir, { recursive: true });
      fs.writeFileSync(
        path.join(sdkDir, "index.js"),
        `exports.requests = [];
exports.GetSecretValueCommand = class { constructor(input) { this.input = input; } };
exports.SecretsManagerClient = class { async send(c) { exports.requests.push(c.input); return { SecretString: ${JSON.stringify(encodeDashboardKey(KEY))} }; } };`,
      );
      const saved = { ...process.env };
      const consoleLog = console.log;
      console.log = () => {}; // the handler logs refusals to CloudWatch through console.log
      Object.assign(process.env, {
        AWS_REGION: REGION,
        [AUTHORIZER_ENV.app]: APP,
        [AUTHORIZER_ENV.account]: ACCOUNT,
        [AUTHORIZER_ENV.channels]: JSON.stringify(CHANNELS),
        [AUTHORIZER_ENV.keySecretArn]: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key",
      });
      try {
        const lambda = require(path.join(dir, "index.js"));
        const ok = await lambda.handler(connectEvent(mintDashboardToken(KEY, APP, 60 * 60 * 1000)));
        const forged = await lambda.handler(connectEvent(mintDashboardToken(Buffer.alloc(32, 2), APP, 60 * 60 * 1000)));
        assert.equal(ok.isAuthenticated, true);
        assert.equal(forged.isAuthenticated, false);
        const sdk = require(path.join(sdkDir, "index.js"));
        assert.deepEqual(sdk.requests, [{ SecretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key" }], "key fetched once, then cached");
      } finally {
        console.log = consoleLog;
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
