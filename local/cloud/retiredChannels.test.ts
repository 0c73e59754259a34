/** A channel a build takes away stays publishable for the devices still on the previous build
 * (core/policy/retiredChannels.ts), on the real local broker: a device of v1 publishing on "old"
 * after v2 renamed it to "new" keeps its connection and gets its PUBACK, also after the local
 * cloud restarts on the same state dir; the next channel change lets the right lapse, and the
 * broker then closes the connection as AWS IoT does (MQTT 3.1.1 has no negative PUBACK). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { mqtt as crt } from "aws-iot-device-sdk-v2";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { encodeEnvelope } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { connectSdkDevice } from "../../test/support/sdkDevice";
import { appSource, writeFeatures } from "../../test/support/tempFeatures";
import { waitFor } from "../../test/support/waitFor";
import { LocalCloud } from "./localCloud";

const APP = "retire-local";
const THING = "tank-1";
const app = (...channels: string[]) => appSource(channels.map((c, i) => `  const c${i} = api.newCommsChannel<number>("${c}", { direction: "device-to-server" });`));

describe("local cloud: retired channels", function () {
  this.timeout(120_000);
  let stateDir: string;
  let cloud: LocalCloud | undefined;
  const connections: crt.MqttClientConnection[] = [];
  const logs: string[] = [];

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-retired-local-"));
    logs.length = 0;
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.disconnect().catch(() => {});
    await cloud?.stop();
    cloud = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const start = async (build: Awaited<ReturnType<typeof compileFeatures>>) => {
    cloud = await LocalCloud.start({ stateDir, build, port: 0, dashboardBundleDir: null, log: (l) => logs.push(l) });
    return cloud;
  };
  const connect = async (c: LocalCloud) => {
    const device = await connectSdkDevice(c.broker, THING, (connection) => connections.push(connection));
    const state = { interrupted: false };
    device.on("interrupt", () => (state.interrupted = true));
    return { device, state };
  };
  let seq = 0;
  const publish = (device: crt.MqttClientConnection, channel: string) => device.publish(topics.up(APP, THING, channel), encodeEnvelope("boot-1", ++seq, 1, Date.now()), 1);
  const refusedOn = (channel: string) => logs.filter((l) => l.includes("refused iot:Publish") && l.includes(`/${channel}/up`));

  it("a device still on v1 publishes on the channel v2 renamed, acknowledged and connected, until the next channel change", async () => {
    const entry = writeFeatures({ "app.ts": app("old") }, APP);
    const v1 = await compileFeatures({ entry });
    let c = await start(v1);
    let { device, state } = await connect(c);
    await publish(device, "old");

    fs.writeFileSync(entry, app("new"));
    const v2 = await compileFeatures({ entry });
    await c.deploy(v2);
    assert.deepEqual(c.broker.retiredChannels, ["old"]);
    await publish(device, "old"); // resolves on the PUBACK
    await publish(device, "new");
    assert.equal(state.interrupted, false, "the connection stayed up");
    assert.deepEqual(refusedOn("old"), []);

    // A restart on the same state dir with the same build keeps the right (persisted).
    await device.disconnect();
    await c.stop();
    c = await start(v2);
    assert.deepEqual(c.broker.retiredChannels, ["old"]);
    ({ device, state } = await connect(c));
    await publish(device, "old");
    assert.equal(state.interrupted, false);
    assert.deepEqual(refusedOn("old"), []);

    // The next channel change recomputes the set: "old" lapses, "new" is retired.
    fs.writeFileSync(entry, app("newer"));
    await c.deploy(await compileFeatures({ entry }));
    assert.deepEqual(c.broker.retiredChannels, ["new"]);
    await publish(device, "new");
    assert.equal(state.interrupted, false);
    void publish(device, "old").catch(() => undefined);
    await waitFor("the broker closing the connection of a publish on the lapsed channel", () => state.interrupted && refusedOn("old").some((l) => l.endsWith("connection closed")), 20_000);
  });
});
