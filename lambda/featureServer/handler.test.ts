/** The server Lambda's handler called directly, as the IoT rule would, with fake AWS clients
 * (DynamoDB with its conditional-write semantics, the IoT data plane, SNS): AWS can't be reached
 * from here. The engine and the server snapshot are the real ones. */
import assert from "node:assert/strict";
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { loadWasmEngine } from "../../core/engine";
import type { MicroviumEngine } from "../../core/engine/types";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundleLambda } from "../../components/authorizerBundle";
import { writeApp, writeFeatures } from "../../test/support/tempFeatures";
import { DynamoServerState, type DynamoDbModule } from "./dynamoServerState";
import { createFeatureServer } from "./handler";
import { iotShadowSettings } from "./iotShadowSettings";

/** GetItem / PutItem / TransactWriteItems on Maps (one per table) with DynamoDB's condition
 * semantics; each call yields to the event loop first, so concurrent invocations interleave as
 * they would on AWS. A transaction checks every condition before writing any item. */
function fakeDynamoDb() {
  const tables = new Map<string, Map<string, any>>();
  const table = (name: string) => tables.get(name) ?? tables.set(name, new Map()).get(name)!;
  const keyOf = (item: any) => (item.vm ?? item.key).S as string;
  class GetItemCommand {
    constructor(readonly input: any) {}
  }
  class PutItemCommand {
    constructor(readonly input: any) {}
  }
  class TransactWriteItemsCommand {
    constructor(readonly input: any) {}
  }
  const conditionHolds = (put: any): boolean => {
    const existing = table(put.TableName).get(keyOf(put.Item));
    const values = put.ExpressionAttributeValues ?? {};
    switch (put.ConditionExpression) {
      case "attribute_not_exists(vm)":
        return existing === undefined;
      case "version = :expected":
        return existing?.version.N === values[":expected"].N;
      case "attribute_not_exists(#k) OR expiresAt < :now":
        return existing === undefined || Number(existing.expiresAt.N) < Number(values[":now"].N);
      default:
        throw new Error(`fake DynamoDB: unexpected condition ${put.ConditionExpression}`);
    }
  };
  const writes: string[] = [];
  class DynamoDBClient {
    async send(command: any): Promise<any> {
      await new Promise((resolve) => setImmediate(resolve));
      const input = command.input;
      if (command instanceof GetItemCommand) {
        const item = table(input.TableName).get(keyOf(input.Key));
        return item ? { Item: structuredClone(item) } : {};
      }
      writes.push(command.constructor.name);
      if (command instanceof TransactWriteItemsCommand) {
        const puts = input.TransactItems.map((t: any) => t.Put);
        const reasons = puts.map((p: any) => ({ Code: conditionHolds(p) ? "None" : "ConditionalCheckFailed" }));
        if (reasons.some((r: any) => r.Code !== "None")) throw Object.assign(new Error("Transaction cancelled"), { name: "TransactionCanceledException", CancellationReasons: reasons });
        for (const p of puts) table(p.TableName).set(keyOf(p.Item), structuredClone(p.Item));
        return {};
      }
      if (!conditionHolds(input)) throw Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
      table(input.TableName).set(keyOf(input.Item), structuredClone(input.Item));
      return {};
    }
  }
  const module = { DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } as unknown as DynamoDbModule;
  return { module, items: table("server-state"), handled: table("server-handled"), writes, client: new DynamoDBClient() };
}

const APP = `
  const reading = api.newCommsChannel<number>("reading", { direction: "device-to-server" });
  const count = api.newCommsChannel<number>("count", { direction: "server-to-device" });
  api.server.onDevice((device) => {
    let seen = 0;
    reading.addEventListener("messageFromDevice", (v) => {
      seen = seen + 1;
      count.sendToDevice(seen);
      if (v > 30) api.server.notify(device.name + " is too hot: " + v);
    });
  });`;

describe("lambda/featureServer (handler called directly, fake AWS clients)", () => {
  let engine: MicroviumEngine;
  let build: CompileResult;
  before(async () => {
    [engine, build] = await Promise.all([loadWasmEngine(), compileFeatures({ entry: writeApp(APP) })]);
  });

  function lambda(db: ReturnType<typeof fakeDynamoDb>) {
    const published: { topic: string; value: unknown; qos: number }[] = [];
    const sns: { subject: string; message: string }[] = [];
    const handler = createFeatureServer({
      engine,
      manifest: build.manifest,
      snapshot: build.snapshots.server,
      store: new DynamoServerState(db.module, db.client, "server-state", "server-handled"),
      outlets: {
        publish: async (topic, payload, qos) => void published.push({ topic, value: JSON.parse(payload).v, qos }),
        alert: async (subject, message) => void sns.push({ subject, message }),
      },
      fleetDevices: () => ["sim-1", "sim-2"],
    });
    return { handler, published, sns };
  }

  const device = new EnvelopeSender("b00t");
  const event = (thing: string, value: number) => ({ thing, channel: "reading", payload: Buffer.from(device.encode(topics.up(build.manifest.app, thing, "reading"), value, Date.now())).toString("base64") });
  const counts = (published: { topic: string; value: unknown }[], thing: string) => published.filter((p) => p.topic === topics.down(build.manifest.app, thing, "count")).map((p) => p.value as number);

  it("keeps a device's handler state in DynamoDB across invocations of different instances, and sends through the data plane", async () => {
    const db = fakeDynamoDb();
    const first = lambda(db);
    assert.equal(await first.handler(event("sim-1", 20)), "handled");
    const second = lambda(db); // another container
    await second.handler(event("sim-1", 20));
    await second.handler(event("sim-2", 20));
    assert.deepEqual(counts(first.published, "sim-1"), [1]);
    assert.deepEqual(counts(second.published, "sim-1"), [2]);
    assert.deepEqual(counts(second.published, "sim-2"), [1]);
    assert.equal(db.items.get("sim-1").version.N, "2");
  });

  it("loses no update when two invocations for one device run at once (conditional writes on the version)", async () => {
    const db = fakeDynamoDb();
    const instances = [lambda(db), lambda(db), lambda(db)];
    await Promise.all(instances.map((l, i) => Promise.all([l.handler(event("sim-1", 20 + i)), l.handler(event("sim-1", 21 + i))])));
    const all = instances.flatMap((l) => counts(l.published, "sim-1")).sort((a, b) => a - b);
    assert.deepEqual(all, [1, 2, 3, 4, 5, 6], "each message counted once, none lost, none sent twice");
    assert.equal(db.items.get("sim-1").version.N, "6");
  });

  it("runs the handlers once for a message delivered twice, one after the other or by two invocations at once", async () => {
    const db = fakeDynamoDb();
    const again = event("sim-1", 20);
    const first = lambda(db);
    assert.equal(await first.handler(again), "handled");
    const second = lambda(db); // the rule's retry lands on another container
    assert.equal(await second.handler(again), "repeat");
    assert.deepEqual(counts(first.published, "sim-1"), [1]);
    assert.deepEqual(counts(second.published, "sim-1"), [], "a repeat sends nothing");
    assert.equal(db.items.get("sim-1").version.N, "1", "a repeat stores nothing");

    const racing = event("sim-1", 21);
    const a = lambda(db);
    const b = lambda(db);
    const results = await Promise.all([a.handler(racing), b.handler(racing)]);
    assert.deepEqual(results.sort(), ["handled", "repeat"]);
    assert.deepEqual([...counts(a.published, "sim-1"), ...counts(b.published, "sim-1")], [2], "counted and sent once");
    assert.equal(db.items.get("sim-1").version.N, "2");
    const marker = [...db.handled.keys()].find((k) => k.startsWith("sim-1|sim-1/"));
    assert.ok(marker, "the handled marker is keyed by VM, device and envelope id");
    const expiresIn = Number(db.handled.get(marker!).expiresAt.N) - Date.now() / 1000;
    assert.ok(expiresIn > 6.9 * 86_400 && expiresIn <= 7 * 86_400, `markers expire after 7 days (TTL), got ${expiresIn} s`);
  });

  it("forgets a handled message after the marker's TTL: the table stays bounded", async () => {
    const db = fakeDynamoDb();
    const old = event("sim-2", 20);
    await lambda(db).handler(old);
    const later = Date.now() + 8 * 86_400_000;
    const handler = createFeatureServer({
      engine,
      manifest: build.manifest,
      snapshot: build.snapshots.server,
      store: new DynamoServerState(db.module, db.client, "server-state", "server-handled", () => later),
      outlets: { publish: async () => {}, alert: async () => {} },
      fleetDevices: () => ["sim-2"],
      now: () => later,
    });
    assert.equal(await handler(old), "handled", "past the marker's expiry (not yet deleted by TTL) it counts as new");
    assert.equal(db.items.get("sim-2").version.N, "2");
  });

  it("sends an alert to SNS and to the dashboard's alert topic", async () => {
    const db = fakeDynamoDb();
    const l = lambda(db);
    await l.handler(event("sim-2", 31.5));
    assert.deepEqual(l.sns, [{ subject: `${build.manifest.app}: sim-2`, message: "sim-2 is too hot: 31.5" }]);
    assert.deepEqual(l.published.find((p) => p.topic === topics.alert(build.manifest.app, "sim-2"))?.value, { text: "sim-2 is too hot: 31.5", device: "sim-2" });
  });

  it("ignores malformed rule events without touching any state", async () => {
    const db = fakeDynamoDb();
    const lines: string[] = [];
    const handler = createFeatureServer({ engine, manifest: build.manifest, snapshot: build.snapshots.server, store: new DynamoServerState(db.module, db.client, "server-state"), outlets: { publish: async () => {}, alert: async () => {} }, fleetDevices: () => [], log: (l) => lines.push(l) });
    assert.equal(await handler({ thing: "Sim_1", channel: "reading", payload: "" }), "ignored");
    assert.equal(await handler({ thing: "sim-1", channel: "reading", payload: Buffer.from("{not json").toString("base64") }), "ignored");
    assert.equal(db.items.size, 0);
    assert.match(lines.join("\n"), /thing name "Sim_1" is invalid/);
  });

  describe("settings in server code (IoT data plane shadows, faked)", () => {
    const SETTINGS_APP = `
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  const reading = api.newCommsChannel<number>("reading", { direction: "device-to-server" });
  const echo = api.newCommsChannel<number>("echo", { direction: "server-to-device" });
  api.server.onDevice((device) => {
    setpoint.addEventListener("change", (v) => api.server.notify(device.name + " setpoint " + v));
    reading.addEventListener("messageFromDevice", (v) => {
      echo.sendToDevice(setpoint.value);
      if (v !== setpoint.value) setpoint.set(v);
    });
  });`;
    let settingsBuild: CompileResult;
    before(async () => {
      settingsBuild = await compileFeatures({ entry: writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n${SETTINGS_APP}\n}\n` }, "thermo") });
    });

    /** GetThingShadow / UpdateThingShadow on named shadows kept in a Map, as the data plane answers. */
    function fakeShadows() {
      const shadows = new Map<string, { desired?: Record<string, unknown>; reported?: Record<string, unknown> }>();
      const updates: { thingName: string; shadowName: string; state: unknown }[] = [];
      class GetThingShadowCommand {
        constructor(readonly input: { thingName: string; shadowName: string }) {}
      }
      class UpdateThingShadowCommand {
        constructor(readonly input: { thingName: string; shadowName: string; payload: Uint8Array }) {}
      }
      const client = {
        async send(command: GetThingShadowCommand | UpdateThingShadowCommand): Promise<any> {
          const key = `${command.input.thingName}/${command.input.shadowName}`;
          if (command instanceof GetThingShadowCommand) {
            const state = shadows.get(key);
            if (!state) throw Object.assign(new Error(`No shadow exists with name: '${command.input.shadowName}'`), { name: "ResourceNotFoundException" });
            return { payload: Buffer.from(JSON.stringify({ state, version: 1 })) };
          }
          const { state } = JSON.parse(Buffer.from(command.input.payload).toString());
          updates.push({ thingName: command.input.thingName, shadowName: command.input.shadowName, state });
          const current = shadows.get(key) ?? {};
          shadows.set(key, { ...current, desired: { ...current.desired, ...state.desired } });
          return { payload: Buffer.from("{}") };
        },
      };
      return { shadows, updates, settings: iotShadowSettings({ GetThingShadowCommand, UpdateThingShadowCommand }, client, "thermo") };
    }

    function settingsLambda(db: ReturnType<typeof fakeDynamoDb>, shadows: ReturnType<typeof fakeShadows>) {
      const published: { topic: string; value: unknown }[] = [];
      const lines: string[] = [];
      const handler = createFeatureServer({
        engine,
        manifest: settingsBuild.manifest,
        snapshot: settingsBuild.snapshots.server,
        store: new DynamoServerState(db.module, db.client, "server-state", "server-handled"),
        outlets: { publish: async (topic, payload) => void published.push({ topic, value: JSON.parse(payload).v }), alert: async () => {} },
        settings: shadows.settings,
        fleetDevices: () => ["sim-1"],
        log: (line) => lines.push(line),
      });
      return { handler, published, lines };
    }
    const reading = (value: number) => ({ thing: "sim-1", channel: "reading", payload: Buffer.from(device.encode(topics.up("thermo", "sim-1", "reading"), value, Date.now())).toString("base64") });
    const echoes = (published: { topic: string; value: unknown }[]) => published.filter((p) => p.topic === topics.down("thermo", "sim-1", "echo")).map((p) => p.value);

    it("value is the device's reported value; set asks through UpdateThingShadow; the documents rule brings the device's report to the 'change' listeners", async () => {
      const db = fakeDynamoDb();
      const shadows = fakeShadows();
      shadows.shadows.set("sim-1/thermo-settings", { reported: { setpoint: 18 } });
      const first = settingsLambda(db, shadows);
      assert.equal(await first.handler(reading(25)), "handled");
      assert.deepEqual(echoes(first.published), [18], "the VM started with the reported 18");
      assert.deepEqual(shadows.updates, [{ thingName: "sim-1", shadowName: "thermo-settings", state: { desired: { setpoint: 25 } } }]);

      // The device applies 25 and reports it; the rule on update/documents invokes the Lambda.
      shadows.shadows.set("sim-1/thermo-settings", { desired: { setpoint: 25 }, reported: { setpoint: 25 } });
      const second = settingsLambda(db, shadows);
      assert.equal(await second.handler({ thing: "sim-1", change: "settings" }), "settings");
      assert.deepEqual(second.published.filter((p) => p.topic === topics.alert("thermo", "sim-1")).map((p) => p.value), [{ text: "sim-1 setpoint 25", device: "sim-1" }]);
      await second.handler(reading(25));
      assert.deepEqual(echoes(second.published), [25], "the stored VM has the new value");
      assert.equal(shadows.updates.length, 1, "25 is what the device has: nothing more asked");
    });

    it("refuses an out-of-range set with clear words and asks nothing; a bad settings event is ignored", async () => {
      const db = fakeDynamoDb();
      const shadows = fakeShadows(); // no shadow yet: the defaults
      const l = settingsLambda(db, shadows);
      assert.equal(await l.handler(reading(99)), "handled");
      assert.deepEqual(echoes(l.published), [21]);
      assert.deepEqual(shadows.updates, []);
      assert.match(l.lines.join("\n"), /sim-1: .*setting "setpoint"\.set\(99\) refused: 99 is above the maximum 35 of setting "setpoint" \(accepted: 5 to 35\); nothing was changed/);
      assert.equal(await l.handler({ thing: "../x", change: "settings" }), "ignored");
    });
  });

  it("runs as bundled for Lambda: files beside index.js, the SDK modules of the Lambda runtime", async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-server-lambda-"));
    try {
      fs.writeFileSync(path.join(dir, "index.js"), await bundleLambda("featureServer"));
      fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(build.manifest));
      fs.writeFileSync(path.join(dir, "server.snap"), build.snapshots.server);
      fs.copyFileSync(path.join(__dirname, "..", "..", "core", "engine", "microvium.wasm"), path.join(dir, "microvium.wasm"));
      // Stand-ins for the SDK modules the Lambda runtime provides (the bundle leaves them external).
      const module = (name: string, text: string) => {
        fs.mkdirSync(path.join(dir, "node_modules", "@aws-sdk", name), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "@aws-sdk", name, "index.js"), text);
      };
      const command = (name: string) => `exports.${name} = class ${name} { constructor(input) { this.input = input; } };`;
      (globalThis as any).__sfFakeDb = fakeDynamoDb();
      (globalThis as any).__sfPublished = [];
      module("client-dynamodb", "module.exports = globalThis.__sfFakeDb.module;");
      module("client-iot-data-plane", `${command("PublishCommand")}${command("GetThingShadowCommand")}${command("UpdateThingShadowCommand")}
exports.IoTDataPlaneClient = class { async send(c) { globalThis.__sfPublished.push({ topic: c.input.topic, value: JSON.parse(Buffer.from(c.input.payload).toString()).v }); return {}; } };`);
      module("client-iot", `${command("ListThingsInThingGroupCommand")}
exports.IoTClient = class { async send(c) { return c.input.nextToken ? { things: ["sim-2"] } : { things: ["sim-1"], nextToken: "p2" }; } };`);
      module("client-sns", `${command("PublishCommand")} exports.SNSClient = class { async send() { return {}; } };`);
      Object.assign(process.env, { SNAPFLEET_SERVER_STATE_TABLE: "server-state", SNAPFLEET_SERVER_HANDLED_TABLE: "server-handled", SNAPFLEET_ALERTS_TOPIC_ARN: "arn:sns", SNAPFLEET_THING_GROUP: "g" });
      const lambdaModule = require(path.join(dir, "index.js"));
      const once = event("sim-1", 20);
      assert.equal(await lambdaModule.server(once), "handled");
      assert.equal(await lambdaModule.server(once), "repeat");
      assert.deepEqual(counts((globalThis as any).__sfPublished, "sim-1"), [1]);
      assert.equal((globalThis as any).__sfFakeDb.handled.size, 1, "the marker went to the handled table named in the environment");
    } finally {
      for (const name of ["SNAPFLEET_SERVER_STATE_TABLE", "SNAPFLEET_SERVER_HANDLED_TABLE", "SNAPFLEET_ALERTS_TOPIC_ARN", "SNAPFLEET_THING_GROUP"]) delete process.env[name];
      delete (globalThis as any).__sfFakeDb;
      delete (globalThis as any).__sfPublished;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

