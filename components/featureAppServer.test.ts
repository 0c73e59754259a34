/** FeatureApp with a cloud half (README "Server code, history and alerts"): the thermostat of
 * issue 15, deployed under Pulumi mocks. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HISTORY_PATH } from "../core/contracts/history";
import { FLEET_STATUS_PATH } from "../core/contracts/fleetStatus";
import { JOBS_API_PATH } from "../core/contracts/jobsApi";
import { topics } from "../core/contracts/topics";
import { topicMatches } from "../core/contracts/topicFilter";
import { autoNamedResources } from "../core/contracts/awsNames";
import { FeatureApp } from "./featureApp";
import { historyRuleSql, serverRuleName, serverRuleSql, serverStatements } from "./featureServer";
import { MOCK_ACCOUNT, MOCK_REGION, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const THERMOSTAT = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  const temperature = api.newCommsChannel<number>("temperature", { history: { days: 7 } });
  const sensor = api.mcu.getAnalogPin("A2");
  const heater = api.mcu.getDigitalPin("D6");
  api.mcu.setInterval(() => {
    const t = sensor.read();
    temperature.pushMessageToServer(t);
    heater.write(t < setpoint.value);
  }, 1000);
  api.server.onDevice((device) => {
    let cold = 0;
    temperature.addEventListener("messageFromDevice", (t) => {
      cold = t < 10 ? cold + 1 : 0;
      if (cold === 60) api.server.notify(device.name + " is below 10 °C for a minute");
    });
  });
  api.registerUiControl((el) => {
    el.slider({ min: 5, max: 35, step: 0.5, value: setpoint.value }, (v) => setpoint.set(v));
    const chart = el.chart({ unit: "°C", window: 3600 });
    temperature.addEventListener("messageFromDevice", (t) => chart.set(t));
  }, { title: "Thermostat" });
}
`;

/** CloudFront path patterns: `*` any characters, `?` one; the first matching behavior wins. */
const cloudFrontMatches = (pattern: string, requestPath: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(requestPath);

describe("FeatureApp with server code, history and alerts (Pulumi mocks)", function () {
  this.timeout(120_000);
  let dir: string;
  let mocks: AwsMocks;
  let app: FeatureApp;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-app-server-"));
    const entry = path.join(dir, "thermostat.ts");
    fs.writeFileSync(entry, THERMOSTAT);
    mocks = await useAwsMocks();
    app = new FeatureApp("greenhouse", { entry, fleet: { devices: ["gh-1", "gh-2"] }, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(app.dashboardUrl);
    await settled(mocks);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("creates the FeatureServer: a rule on the app's device channels invoking the server Lambda of this fleet", async () => {
    assert.equal(mocks.ofType("snapfleet:server:FeatureServer").length, 1);
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "greenhouse-server-rule");
    assert.deepEqual([rule.inputs.name, rule.inputs.sql], [serverRuleName("greenhouse", "server"), serverRuleSql("greenhouse")]);
    const from = /FROM '([^']+)'/.exec(rule.inputs.sql)![1];
    assert.ok(topicMatches(from, topics.up("greenhouse", "gh-1", "temperature")));
    assert.ok(!topicMatches(from, topics.status("greenhouse", "gh-1")));
    const fn = mocks.one("aws:lambda/function:Function", "greenhouse-srv-fn");
    assert.equal(rule.inputs.lambdas[0].functionArn, `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:lambda/function:Function/greenhouse-srv-fn`);
    assert.equal(fn.inputs.handler, "index.server");
    assert.equal(fn.inputs.environment.variables.SNAPFLEET_THING_GROUP, "greenhouse");
  });

  it("gives the server Lambda least privilege: its tables, this app's topics and settings shadows, this fleet's group, its alerts topic", async () => {
    const policy = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "greenhouse-server-access").inputs.policy);
    const arn = (type: string, name: string) => `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:${type}/${name}`;
    const expected = serverStatements(
      { app: "greenhouse", region: MOCK_REGION, account: MOCK_ACCOUNT, thingGroupArn: await valueOf(app.thingGroupArn), settings: [{ name: "setpoint", default: 21, min: 5, max: 35 }] },
      { stateTable: arn("aws:dynamodb/table:Table", "greenhouse-server-state"), handledTable: arn("aws:dynamodb/table:Table", "greenhouse-server-handled"), alerts: arn("aws:sns/topic:Topic", "greenhouse-srv-alerts") },
    );
    assert.deepEqual(policy.Statement, expected);
    assert.equal(policy.Statement.find((s: { Action: string[] }) => s.Action.includes("iot:UpdateThingShadow")).Resource, `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:thing/*/greenhouse-settings`);
  });

  it("stores history through a rule per history channel and serves it on the dashboard's origin at api/history, ahead of /api/*", () => {
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "greenhouse-server-history-temperature");
    assert.equal(rule.inputs.sql, historyRuleSql("greenhouse", { name: "temperature", history: { days: 7 } } as never));
    const cdn = mocks.one("aws:cloudfront/distribution:Distribution");
    const behaviors = cdn.inputs.orderedCacheBehaviors as { pathPattern: string; targetOriginId: string }[];
    const route = (requestPath: string) => behaviors.find((b) => cloudFrontMatches(b.pathPattern, requestPath))?.targetOriginId;
    assert.equal(route(`/${HISTORY_PATH}`), "history-api");
    assert.equal(route(`/${FLEET_STATUS_PATH}`), "fleet-status-api");
    assert.equal(route(`/${JOBS_API_PATH}`), "jobs-api");
    const origin = cdn.inputs.origins.find((o: { originId: string }) => o.originId === "history-api");
    assert.equal(origin.domainName, `greenhouse-server-history-url.lambda-url.${MOCK_REGION}.on.aws`);
    const permissions = mocks.ofType("aws:lambda/permission:Permission").filter((p) => p.name.startsWith("greenhouse-server-history-cdn"));
    assert.deepEqual(permissions.map((p) => p.inputs.action).sort(), ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]);
    for (const p of permissions) assert.match(p.inputs.sourceArn, /cloudfront\/distribution:Distribution\/greenhouse-dashboard-cdn$/);
    assert.equal(mocks.one("aws:lambda/function:Function", "greenhouse-srv-hist-api").inputs.environment.variables.SNAPFLEET_APP, "greenhouse");
  });

  it("outputs the alerts topic, and its auto-named resources are the ones whose name limits the app name", async () => {
    assert.equal(await valueOf(app.alertsTopicArn), `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:sns/topic:Topic/greenhouse-srv-alerts`);
    for (const [type, names] of Object.entries(autoNamedResources("greenhouse", true))) {
      const registered = mocks.ofType(type).filter((r) => r.inputs.name === undefined && r.inputs.bucket === undefined).map((r) => r.name);
      assert.deepEqual(registered.sort(), [...names].sort(), type);
    }
  });

  it("creates no cloud half for an app with neither server code nor history: alertsTopicArn is undefined", async () => {
    const entry = path.join(dir, "plain.ts");
    fs.writeFileSync(entry, `export function App(api: any) {\n  const level = api.newCommsChannel("level");\n  api.mcu.setInterval(() => level.pushMessageToServer(1), 1000);\n}\n`);
    const plainMocks = await useAwsMocks();
    const plain = new FeatureApp("tank", { entry, fleet: { devices: ["tank-1"] }, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(plain.dashboardUrl);
    await settled(plainMocks);
    assert.equal(await valueOf(plain.alertsTopicArn), undefined);
    assert.equal(plainMocks.ofType("snapfleet:server:FeatureServer").length, 0);
    assert.equal(plainMocks.ofType("aws:sns/topic:Topic").length, 0);
    assert.ok(!plainMocks.ofType("aws:cloudfront/distribution:Distribution")[0].inputs.orderedCacheBehaviors.some((b: { targetOriginId: string }) => b.targetOriginId === "history-api"));
  });
});
