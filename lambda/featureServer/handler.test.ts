/** The server Lambda's handler called directly, as the IoT rule would, with fake AWS clients
 * (DynamoDB with its conditional-write semantics, the IoT data plane, SNS): AWS can't be reached
 * from here. The engine and the server snapshot are the real ones. */
import assert from "node:assert/strict";
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { loadWasmEngine } from "../../core/engine";
import type { MicroviumEngine } from "../../core/engine/types";
import { writeApp } from "../../test/support/tempFeatures";
import { DynamoServerState, type DynamoDbModule } from "./dynamoServerState";
import { createFeatureServer } from "./handler";

/** GetItem / PutItem on a Map with DynamoDB's condition semantics; each call yields to the event
 * loop first, so concurrent invocations interleave as they would on AWS. */
function fakeDynamoDb() {
  const items = new Map<string, any>();
  class GetItemCommand {
    constructor(readonly input: any) {}
  }
  class PutItemCommand {
    constructor(readonly input: any) {}
  }
  class DynamoDBClient {
    async send(command: any): Promise<any> {
      await new Promise((resolve) => setImmediate(resolve));
      const input = command.input;
      if (command instanceof GetItemCommand) {
        const item = items.get(input.Key.vm.S);
        return item ? { Item: structuredClone(item) } : {};
      }
      const existing = items.get(input.Item.vm.S);
      const ok =
        input.ConditionExpression === "attribute_not_exists(vm)"
          ? existing === undefined
          : input.ConditionExpression === "version = :expected" && existing?.version.N === input.ExpressionAttributeValues[":expected"].N;
      if (!ok) throw Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
      items.set(input.Item.vm.S, structuredClone(input.Item));
      return {};
    }
  }
  const module = { DynamoDBClient, GetItemCommand, PutItemCommand } as unknown as DynamoDbModule;
  return { module, items, client: new DynamoDBClient() };
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
      store: new DynamoServerState(db.module, db.client, "server-state"),
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
    const handler = createFeatureServer({ engine, manifest: build.manifest, snapshot: build.snapshots.server, store: new DynamoServerState(db.module, db.client, "t"), outlets: { publish: async () => {}, alert: async () => {} }, fleetDevices: () => [], log: (l) => lines.push(l) });
    assert.equal(await handler({ thing: "Sim_1", channel: "reading", payload: "" }), "ignored");
    assert.equal(await handler({ thing: "sim-1", channel: "reading", payload: Buffer.from("{not json").toString("base64") }), "ignored");
    assert.equal(db.items.size, 0);
    assert.match(lines.join("\n"), /thing name "Sim_1" is invalid/);
  });
});
