import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { mqtt as crt } from "aws-iot-device-sdk-v2";
import mqtt from "mqtt";
import { ensureLocalPki, type IdentityFiles } from "../certificates";
import { sdkConnection } from "./sdkConnection";
import { brokerPerSuite } from "../../test/support/brokerPerSuite";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { connectSdkDevice } from "../../test/support/sdkDevice";

const APP = "grow";
const manifest = channelManifest(APP, [
  { name: "temperature", qos: 1, direction: "both", replay: 0 },
  { name: "cmd", qos: 1, direction: "server-to-device", replay: 0 },
]);

const DASHBOARD_ID = "sf-grow-dashboard-test";

describe("LocalBroker", function () {
  this.timeout(15000);
  const logLines: string[] = [];
  const suite = brokerPerSuite("broker", { app: APP, manifest, log: (line) => logLines.push(line) });
  const { refusals, open } = suite;
  /** Another local cloud's PKI: its certificates are strangers here. */
  let otherStateDir: string;

  before(async () => {
    otherStateDir = await mkdtemp(path.join(os.tmpdir(), "sf-broker-other-"));
  });

  beforeEach(() => {
    logLines.length = 0;
  });

  after(async () => {
    await rm(otherStateDir, { recursive: true, force: true });
  });

  /** aws-crt connections hold native handles: every one must be disconnected or mocha never exits. */
  function device(identity: IdentityFiles, clientId: string, extra: { will?: crt.MqttWill } = {}): crt.MqttClientConnection {
    const connection = sdkConnection({ host: "127.0.0.1", port: suite.broker.mqttsPort, caCertPem: suite.broker.caCertPem, ...identity, clientId, ...extra });
    open.push(() => connection.disconnect());
    return connection;
  }

  const connectedDevice = (thing: string) => connectSdkDevice(suite.broker, thing, (c) => open.push(() => c.disconnect()));

  async function dashboard(token = suite.broker.issueDashboardToken(), clientId = DASHBOARD_ID): Promise<mqtt.MqttClient> {
    const client = await connectDashboard(suite.broker, { clientId, password: token });
    open.push(() => client.endAsync(true));
    return client;
  }

  /** An in-process subscriber, as the other local services use the broker. */
  function tap(filter: string): { messages: Array<{ topic: string; payload: string }> } {
    const messages: Array<{ topic: string; payload: string }> = [];
    const deliver = (packet: { topic: string; payload: Buffer | string }, done: () => void) => {
      messages.push({ topic: packet.topic, payload: packet.payload.toString() });
      done();
    };
    suite.broker.aedes.subscribe(filter, deliver, () => {});
    open.push(() => new Promise<void>((resolve) => suite.broker.aedes.unsubscribe(filter, deliver, resolve)));
    return { messages };
  }

  function interrupted(connection: crt.MqttClientConnection): Promise<void> {
    return new Promise((resolve) => connection.once("interrupt", () => resolve()));
  }

  it("delivers a device's own up message to the dashboard and to in-process subscribers", async () => {
    const dash = await dashboard();
    const granted = await dash.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
    assert.equal(granted[0].qos, 1);
    const received = new Promise<string>((resolve) => dash.once("message", (topic, payload) => resolve(`${topic} ${payload}`)));
    const inProcess = tap("sf/grow/+/temperature/up");

    const a = await connectedDevice("a");
    await a.publish("sf/grow/a/temperature/up", '{"v":21}', 1);

    assert.equal(await received, 'sf/grow/a/temperature/up {"v":21}');
    await waitFor(() => inProcess.messages.length === 1);
    assert.deepEqual(refusals, []);
  });

  it("delivers the device's down topic and the broadcast down", async () => {
    const a = await connectedDevice("a");
    const got: string[] = [];
    for (const filter of ["sf/grow/a/cmd/down", "sf/grow/_all/cmd/down"]) {
      const sub = await a.subscribe(filter, 1, (topic) => void got.push(topic));
      assert.equal(sub.qos, 1);
    }
    const dash = await dashboard();
    await dash.publishAsync("sf/grow/a/cmd/down", "on", { qos: 1 });
    await dash.publishAsync("sf/grow/_all/cmd/down", "all", { qos: 1 });
    await waitFor(() => got.length === 2);
    assert.deepEqual(got.sort(), ["sf/grow/_all/cmd/down", "sf/grow/a/cmd/down"]);
  });

  it("refuses a device subscription to another thing's down topic with SUBACK failure, naming the rule", async () => {
    const a = await connectedDevice("a");
    const result = await a.subscribe("sf/grow/b/cmd/down", 1).catch((error: unknown) => error);
    assert.ok(isSubscribeFailure(result), `expected SUBACK failure, got ${JSON.stringify(result)}`);
    const refusal = refusals.find((r) => r.action === "iot:Subscribe");
    assert.ok(refusal, "refusal reported");
    assert.equal(refusal.principal, 'thing "a"');
    assert.equal(refusal.outcome, "subscription refused (SUBACK 0x80)");
    assert.match(refusal.reason, /default deny.*sf-grow-device-base.*sf-grow-device-channels-1/);
    assert.ok(logLines.some((l) => l.includes("topicfilter/sf/grow/b/cmd/down") && l.includes("sf-grow-device-channels-1")));
    // The connection stays up: AWS only fails the filter.
    await a.publish("sf/grow/a/temperature/up", "still here", 1);
  });

  it("closes a device that publishes on another thing's up topic, and delivers nothing", async () => {
    const inProcess = tap("sf/grow/#");
    const a = await connectedDevice("a");
    const closed = interrupted(a);
    a.publish("sf/grow/b/temperature/up", "forged", 1).catch(() => undefined);
    await closed;
    await a.disconnect();
    assert.deepEqual(inProcess.messages, []);
    const refusal = refusals.find((r) => r.action === "iot:Publish");
    assert.equal(refusal?.outcome, "connection closed");
    assert.match(refusal?.resource ?? "", /topic\/sf\/grow\/b\/temperature\/up$/);
  });

  /** Resolves once aedes has told its clientError listeners of `clientId`'s error: the broker's
   * own listener, added first, has heard it too. */
  function clientErrorOf(clientId: string): Promise<Error> {
    return new Promise((resolve) => {
      const heard = (client: { id: string }, error: Error) => {
        if (client.id !== clientId) return;
        suite.broker.aedes.off("clientError", heard);
        resolve(error);
      };
      suite.broker.aedes.on("clientError", heard);
    });
  }

  /** The log lines about `clientId`'s connection. */
  const linesAbout = (clientId: string) => logLines.filter((l) => l.includes(`client id "${clientId}"`) || l.includes(`client "${clientId}"`));

  it("says once, in its words, a publish it refuses and the close: aedes's client error for it is not logged again", async () => {
    const a = await connectedDevice("a");
    const errored = clientErrorOf("a");
    a.publish("sf/grow/b/temperature/up", "forged", 1).catch(() => undefined);
    await errored;
    await a.disconnect();
    assert.equal(linesAbout("a").length, 1, linesAbout("a").join("\n"));
    assert.match(linesAbout("a")[0], /^broker: refused iot:Publish on arn:aws:iot:local:000000000000:topic\/sf\/grow\/b\/temperature\/up for thing "a" \(client id "a"\): .*; connection closed$/);
  });

  it("says once, in its words, a connect it refuses", async () => {
    const connection = device(await suite.broker.provisionDevice("a"), "b");
    const errored = clientErrorOf("b");
    await assert.rejects(connection.connect());
    await errored;
    assert.equal(linesAbout("b").length, 1, linesAbout("b").join("\n"));
    assert.match(linesAbout("b")[0], /^broker: refused iot:Connect on arn:aws:iot:local:000000000000:client\/b for certificate of thing "a" \(client id names none of them\) \(client id "b"\): .*; connection refused$/);
  });

  it("closes a device that publishes on the up topic of a server-to-device channel", async () => {
    const a = await connectedDevice("a");
    const closed = interrupted(a);
    a.publish("sf/grow/a/cmd/up", "x", 1).catch(() => undefined);
    await closed;
    await a.disconnect();
    assert.ok(refusals.some((r) => r.action === "iot:Publish" && r.resource?.endsWith("topic/sf/grow/a/cmd/up")));
  });

  it("needs iot:RetainPublish for retained messages: status yes, a channel no", async () => {
    const a = await connectedDevice("a");
    await a.publish("sf/grow/a/_status", "online", 1, true);
    const closed = interrupted(a);
    a.publish("sf/grow/a/temperature/up", "22", 1, true).catch(() => undefined);
    await closed;
    await a.disconnect();
    assert.deepEqual(
      refusals.map((r) => r.action),
      ["iot:RetainPublish"],
    );
  });

  it("refuses a device certificate connecting with another thing's client id", async () => {
    const connection = device(await suite.broker.provisionDevice("a"), "b");
    await assert.rejects(connection.connect());
    const refusal = refusals.find((r) => r.action === "iot:Connect");
    assert.equal(refusal?.resource, "arn:aws:iot:local:000000000000:client/b");
    assert.match(refusal?.reason ?? "", /default deny/);
  });

  it("refuses a last will the device may not publish", async () => {
    const will = { topic: "sf/grow/b/_status", qos: 1 as crt.QoS, payload: "offline", retain: true };
    const connection = device(await suite.broker.provisionDevice("a"), "a", { will });
    await assert.rejects(connection.connect());
    assert.ok(refusals.some((r) => r.action === "iot:Publish" && r.resource?.endsWith("topic/sf/grow/b/_status")));
  });

  it("refuses a certificate from another CA during the TLS handshake", async () => {
    const stranger = await (await ensureLocalPki(otherStateDir)).deviceIdentity("a");
    const connection = device(stranger, "a");
    await assert.rejects(connection.connect());
    await waitFor(() => logLines.some((l) => l.includes("TLS handshake")));
  });

  it("carries the Jobs MQTT API on $aws topics between a device and the jobs service", async () => {
    const jobs = device(await suite.broker.pki.serviceIdentity("jobs"), "_svc-jobs-test");
    await jobs.connect();
    const requests: string[] = [];
    await jobs.subscribe("$aws/things/+/jobs/#", 1, (topic) => void requests.push(topic));
    const a = await connectedDevice("a");
    const notified = new Promise<string>((resolve) => {
      void a.subscribe("$aws/things/a/jobs/notify-next", 1, (_topic, payload) => resolve(Buffer.from(payload).toString()));
    });
    await waitFor(() => suite.broker.aedes.connectedClients >= 2);
    await a.publish("$aws/things/a/jobs/start-next", "{}", 1);
    await waitFor(() => requests.includes("$aws/things/a/jobs/start-next"));
    // Give the device's SUBSCRIBE time to land before the notification goes out.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await jobs.publish("$aws/things/a/jobs/notify-next", '{"execution":null}', 1);
    assert.equal(await notified, '{"execution":null}');
    assert.deepEqual(refusals, []);
  });

  it("applies a reloaded manifest to connected clients", async () => {
    const a = await connectedDevice("a");
    const inProcess = tap("sf/grow/a/cmd/up");
    const bothWays = { ...manifest, channels: manifest.channels.map((c) => ({ ...c, direction: "both" as const })) };
    suite.broker.reloadManifest(bothWays);
    try {
      await a.publish("sf/grow/a/cmd/up", "now allowed", 1);
      await waitFor(() => inProcess.messages.length === 1);
    } finally {
      suite.broker.reloadManifest(manifest);
    }
    assert.throws(() => suite.broker.reloadManifest({ ...manifest, app: "other" }), /app "other"/);
  });

  // AWS checks iot:Receive per delivered message, separately from iot:Subscribe on the filter
  // ("Authorization", https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html).
  it("delivers only what iot:Receive allows: a device subscribed to its whole jobs tree gets notifications, never requests", async () => {
    const jobs = device(await suite.broker.pki.serviceIdentity("jobs"), "_svc-jobs-receive");
    await jobs.connect();
    const a = await connectedDevice("a");
    const got: string[] = [];
    const sub = await a.subscribe("$aws/things/a/jobs/#", 1, (topic) => void got.push(topic));
    assert.equal(sub.qos, 1);
    // A request on the device's own tree (which the jobs service may publish on), then a notification.
    await jobs.publish("$aws/things/a/jobs/get", "{}", 1);
    await jobs.publish("$aws/things/a/jobs/notify-next", '{"execution":null}', 1);
    await waitFor(() => got.includes("$aws/things/a/jobs/notify-next"));
    assert.deepEqual(got, ["$aws/things/a/jobs/notify-next"]);
    const refusal = refusals.find((r) => r.action === "iot:Receive");
    assert.equal(refusal?.resource, "arn:aws:iot:local:000000000000:topic/$aws/things/a/jobs/get");
    assert.equal(refusal?.outcome, "message not delivered");
  });

  // servicePolicies.ts: the local server and a Node dashboard get the documents AWS gets (the
  // settings shadows' rights as a second policy, only when the app has settings); the jobs service
  // plays AWS IoT Jobs and may touch nothing else.
  it("gives each local service certificate its own policies: server and dashboard as on AWS (plus -settings with settings), jobs only the Jobs topics", async () => {
    const refusedSubscribe = async (connection: crt.MqttClientConnection, filter: string): Promise<string> => {
      refusals.length = 0;
      const result = await connection.subscribe(filter, 1).catch((error: unknown) => error);
      assert.ok(isSubscribeFailure(result), `${filter}: expected SUBACK failure, got ${JSON.stringify(result)}`);
      return refusals.find((r) => r.action === "iot:Subscribe")?.reason ?? "";
    };
    const serverIdentity = await suite.broker.pki.serviceIdentity("server");
    const dashboardIdentity = await suite.broker.pki.serviceIdentity("dashboard");
    const jobsIdentity = await suite.broker.pki.serviceIdentity("jobs");

    // Each service connects only with its own client id (the jobs service as _svc-jobs*).
    await assert.rejects(device(serverIdentity, "_svc-jobs-server").connect());
    await assert.rejects(device(dashboardIdentity, "sf-grow-server").connect());
    await assert.rejects(device(jobsIdentity, "sf-grow-server").connect());

    const server = device(serverIdentity, "sf-grow-server");
    await server.connect();
    await server.subscribe("sf/grow/+/temperature/up", 1);
    assert.match(await refusedSubscribe(server, "$aws/things/+/jobs/#"), /policies consulted: sf-grow-server$/);

    const dash = device(dashboardIdentity, `${DASHBOARD_ID}-node`);
    await dash.connect();
    assert.match(await refusedSubscribe(dash, "$aws/things/+/jobs/#"), /policies consulted: sf-grow-dashboard$/);

    const jobs = device(jobsIdentity, "_svc-jobs-policies");
    await jobs.connect();
    assert.match(await refusedSubscribe(jobs, "sf/grow/+/temperature/up"), /policies consulted: sf-grow-local-jobs$/);

    suite.broker.reloadManifest({ ...manifest, settings: [{ name: "setpoint", default: 21, min: 5, max: 35 }] });
    try {
      assert.match(await refusedSubscribe(server, "$aws/things/+/jobs/get"), /policies consulted: sf-grow-server, sf-grow-server-settings$/);
      assert.match(await refusedSubscribe(dash, "$aws/things/+/jobs/get"), /policies consulted: sf-grow-dashboard, sf-grow-dashboard-settings$/);
      assert.match(await refusedSubscribe(jobs, "sf/grow/+/cmd/up"), /policies consulted: sf-grow-local-jobs$/);
    } finally {
      suite.broker.reloadManifest(manifest);
    }
  });

  it("refuses a service certificate the broker has no policy for, even iot:Connect, saying no policy was consulted", async () => {
    const stranger = device(await suite.broker.pki.serviceIdentity("backup"), "_svc-backup");
    await assert.rejects(stranger.connect());
    const refusal = refusals.find((r) => r.action === "iot:Connect");
    assert.equal(refusal?.principal, 'service "backup"');
    assert.match(refusal?.reason ?? "", /default deny\); policies consulted: none$/);
  });

  it("refuses a registered thing named like the app's server client id: it would take over the server's session", async () => {
    const connection = device(await suite.broker.provisionDevice("sf-grow-server"), "sf-grow-server");
    await assert.rejects(connection.connect());
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0].action, "authenticate");
    assert.match(refusals[0].reason, /thing name "sf-grow-server" is reserved for the app's server or dashboard client ids/);
  });

  it("gives a claim certificate only the claim policy: connect as sf-{app}-claim-*, never as a device", async () => {
    const claim = await suite.broker.pki.claimIdentity("batch1");
    const asClaim = device(claim, "sf-grow-claim-board7");
    await asClaim.connect();
    // A device's topic is no claim's business: subscribing to it fails, the connection stays.
    const result = await asClaim.subscribe("sf/grow/a/cmd/down", 1).catch((error: unknown) => error);
    assert.ok(isSubscribeFailure(result), `expected SUBACK failure, got ${JSON.stringify(result)}`);
    const refusal = refusals.find((r) => r.action === "iot:Subscribe");
    assert.equal(refusal?.principal, 'claim of batch "batch1"');
    assert.match(refusal?.reason ?? "", /policies consulted: sf-grow-claim$/);
    await assert.rejects(device(claim, "a").connect());
    assert.equal(refusals.at(-1)?.action, "iot:Connect");
  });

  it("names the operator's dashboard policies, not the viewer's, when an operator is refused", async () => {
    const operator = await dashboard(suite.broker.issueDashboardToken(undefined, "operator"));
    await assert.rejects(operator.subscribeAsync("sf/grow/a/_log/secret-level/x", { qos: 1 }), /Subscribe error/);
    const refusal = refusals.find((r) => r.action === "iot:Subscribe");
    assert.equal(refusal?.principal, "dashboard (operator)");
    assert.match(refusal?.reason ?? "", /policies consulted: sf-grow-dashboard-operator$/);
  });

  // As on AWS IoT, a certificate acts for a thing only once attached to a registered thing
  // (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html); the local CA signing it is not enough.
  it("refuses a certificate of this CA that is attached to no registered thing", async () => {
    const ghost = device(await suite.broker.pki.deviceIdentity("ghost"), "ghost");
    await assert.rejects(ghost.connect());
    assert.equal(refusals[0]?.action, "authenticate");
    assert.match(refusals[0]?.reason ?? "", /certificate issued for "ghost" is not attached to any registered thing of the fleet/);
  });

  // AWS IoT Core supports QoS 0 and 1 only ("MQTT", https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html).
  it("closes a connection that subscribes with QoS 2", async () => {
    const dash = await dashboard();
    const closed = new Promise<void>((resolve) => dash.once("close", () => resolve()));
    dash.subscribe("sf/grow/+/temperature/up", { qos: 2 }, () => undefined);
    await closed;
    assert.deepEqual(
      refusals.map((r) => [r.action, r.outcome]),
      [["mqtt", "connection closed"]],
    );
  });

  // MQTT 5 clients get SUBACK 0x87 Not authorized for a refused filter ("MQTT reason codes",
  // https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-reason-codes).
  it("refuses an MQTT 5 client's filter with SUBACK 0x87 and keeps the connection", async () => {
    const client = await connectDashboard(suite.broker, { clientId: `${DASHBOARD_ID}-v5`, protocolVersion: 5 });
    open.push(() => client.endAsync(true));
    await client.subscribeAsync("sf/grow/a/_log/secret-level/x", { qos: 1 }).catch((error: unknown) => error);
    assert.deepEqual(
      refusals.map((r) => [r.action, r.outcome]),
      [["iot:Subscribe", "subscription refused (SUBACK 0x87)"]],
    );
    const granted = await client.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
    assert.equal(granted[0].qos, 1);
  });

  describe("dashboard over WebSocket", () => {
    it("ends the dashboard's rights when its token expires during the session", async () => {
      const token = suite.broker.issueDashboardToken(3000);
      const check = suite.broker.verifyDashboardToken(token);
      assert.ok(check.valid);
      const dash = await dashboard(token);
      // Waits for the clock, asserts no duration: the refusal below is what is checked.
      while (Date.now() <= check.expiresAt) await new Promise((resolve) => setTimeout(resolve, 50));
      await assert.rejects(dash.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 }), /Subscribe error/);
      assert.deepEqual(
        refusals.map((r) => [r.action, r.reason]),
        [["iot:Subscribe", "dashboard token expired during the session"]],
      );
    });

    it("accepts the token as the username when the password is empty", async () => {
      const client = await mqtt.connectAsync(suite.broker.webSocketUrl, { clientId: `${DASHBOARD_ID}-user`, username: suite.broker.issueDashboardToken(), protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });
      open.push(() => client.endAsync(true));
      const granted = await client.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
      assert.equal(granted[0].qos, 1);
      assert.deepEqual(refusals, []);
    });

    it("may not publish on up topics", async () => {
      const dash = await dashboard();
      const closed = new Promise<void>((resolve) => dash.once("close", () => resolve()));
      dash.publish("sf/grow/a/temperature/up", "fake", { qos: 1 });
      await closed;
      const refusal = refusals.find((r) => r.principal === "dashboard" && r.action === "iot:Publish");
      // A viewer's link is judged by the viewer's policy, never the operator's.
      assert.match(refusal?.reason ?? "", /policies consulted: sf-grow-dashboard$/);
    });

    it("refuses forged and expired tokens, and client ids without the dashboard prefix", async () => {
      const valid = suite.broker.issueDashboardToken();
      const [, expiry] = valid.split(".");
      const forged = `sfdash.${expiry}.${Buffer.alloc(32).toString("base64url")}`;
      await assert.rejects(dashboard(forged), /Bad username or password/i);
      const expired = suite.broker.issueDashboardToken(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await assert.rejects(dashboard(expired), /Bad username or password/i);
      await assert.rejects(dashboard(valid, "a"), /Not authorized/i);
      assert.deepEqual(
        refusals.map((r) => r.action),
        ["authenticate", "authenticate", "iot:Connect"],
      );
      assert.match(refusals[0].reason, /signature/);
      assert.match(refusals[1].reason, /expired/);
    });
  });
});

function isSubscribeFailure(result: unknown): boolean {
  if (result instanceof Error) return true;
  const request = result as { qos?: number; error_code?: number };
  return request.qos === 128 || (request.error_code ?? 0) !== 0;
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
