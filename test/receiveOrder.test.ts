/** In order on the device, end to end: the local broker (aedes, mutual TLS, policies), the real
 * device SDK and supervisor. The broker is made to hand messages over out of order the way it does
 * in the field: the device's link is cut, messages queue in its persistent session, and a new one is
 * published the moment the device's reconnect is acknowledged, so it goes out directly while the
 * queued ones are still being read from the session store. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { decodeEnvelope, EnvelopeSender } from "../core/contracts/envelope";
import { topics } from "../core/contracts/topics";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { RealClock } from "../firmware/clock";
import { deviceTransport } from "./support/deviceTransport";
import { Device } from "../firmware/device";
import { LocalBroker } from "../local/broker";
import { LinkProxy } from "./support/linkProxy";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const APP = "order";
const THING = "order-1";

describe("receive order: QoS 1 down messages reach the app in the sender's order over a real link", function () {
  this.timeout(30_000);
  let build: CompileResult;
  let engine: MicroviumEngine;
  let stateDir: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    const entry = writeFeatures(
      {
        "app.ts": `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const cmd = api.newCommsChannel<number>("cmd", { direction: "server-to-device", qos: 1 });
  cmd.addEventListener("messageFromServer", (v) => api.log("got " + v));
}
`,
      },
      APP,
    );
    [build, engine] = await Promise.all([compileFeatures({ entry }), loadWasmEngine()]);
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-order-"));
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it("messages queued during an outage and a new one that overtakes them on reconnect arrive in order, once", async () => {
    const broker = await LocalBroker.start({ stateDir, app: APP, manifest: build.manifest });
    cleanups.push(() => broker.stop());
    const proxy = await LinkProxy.start(() => broker.mqttsPort);
    cleanups.push(() => proxy.stop());
    const transport = await deviceTransport(broker, THING, proxy.port);
    cleanups.push(() => transport.disconnect());
    await transport.connect();
    const got: number[] = [];
    const logs: string[] = [];
    const device = await Device.boot({
      manifest: build.manifest,
      snapshot: build.snapshots.device,
      thing: THING,
      clock: new RealClock(),
      transport,
      engine,
      onLog: (line) => {
        logs.push(line);
        const m = /^\[app\] got (\d+)$/.exec(line);
        if (m) got.push(Number(m[1]));
      },
    });
    cleanups.push(() => device.stop());
    const down = topics.down(APP, THING, "cmd");
    // What the broker hands over, in the order it does (a second handler on the device's link).
    const onTheWire: number[] = [];
    transport.subscribe(down, 1, (_topic, payload) => onTheWire.push(decodeEnvelope(payload).v as number));
    const clients = () => (broker.aedes as unknown as { clients: Record<string, { subscriptions: Record<string, unknown> } | undefined> }).clients;
    await waitFor("the device's subscription", () => clients()[THING]?.subscriptions[down] !== undefined);

    const server = new EnvelopeSender("srv");
    const publish = (value: number) =>
      broker.aedes.publish({ cmd: "publish", topic: down, payload: Buffer.from(server.encode(down, value, Date.now())), qos: 1, retain: false, dup: false }, () => {});
    publish(1);
    await waitFor("the first message", () => got.length === 1);

    proxy.cut();
    await waitFor("the broker to see the device gone", () => clients()[THING] === undefined);
    for (const v of [2, 3, 4, 5]) publish(v); // queued in the device's session
    broker.aedes.once("connackSent", () => publish(6)); // the new one, as the device comes back
    await waitFor("all six messages at the app", () => got.length >= 6);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a repeat would come now

    assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
    assert.notDeepEqual(onTheWire, [...onTheWire].sort((a, b) => a - b), `the broker handed them over in order (${onTheWire.join(", ")}): this test proved nothing`);
    assert.equal(device.supervisor.gapsSkipped, 0);
    assert.deepEqual(logs.filter((l) => /gap|late/.test(l)), []);
  });
});
