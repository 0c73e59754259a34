import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { encodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { EnvelopeSender } from "../../core/contracts/envelope";
import type { Manifest } from "../../core/contracts/manifest";
import { topics } from "../../core/contracts/topics";
import { ManualClock } from "../../firmware/clock";
import { writeFeatures } from "../../test/support/tempFeatures";
import { waitFor } from "../../test/support/waitFor";
import { LocalCloud } from "./localCloud";
import { UpstreamReceiver, type UpstreamMessage } from "./upstreamReceiver";

const manifest = {
  app: "gs",
  channels: [
    { name: "events", qos: 1, direction: "device-to-server" },
    { name: "temp", qos: 0, direction: "device-to-server" },
  ],
} as unknown as Manifest;

describe("UpstreamReceiver: the server end of the way up", () => {
  function setup() {
    const clock = new ManualClock();
    const got: UpstreamMessage[] = [];
    const log: string[] = [];
    const receiver = new UpstreamReceiver({ app: "gs", manifest: () => manifest, clock, deliver: (m) => got.push(m), log: (l) => log.push(l) });
    return { clock, got, log, receiver, values: () => got.map((m) => `${m.thing}/${m.channel}=${m.envelope.v}`) };
  }

  it("hands on a QoS 1 channel's messages in the device's order and once; QoS 0 as they come; per device", () => {
    const { got, receiver, values } = setup();
    const events = topics.up("gs", "d1", "events");
    const temp = topics.up("gs", "d1", "temp");
    const d1 = new EnvelopeSender("d1boot");
    const e = [1, 2, 3].map((v) => Buffer.from(d1.encode(events, v, 0)));
    const t = [20, 21].map((v) => Buffer.from(d1.encode(temp, v, 0)));
    const other = topics.up("gs", "d2", "events");
    const d2 = Buffer.from(new EnvelopeSender("d2boot").encode(other, 9, 0));
    for (const [topic, payload] of [[events, e[2]], [temp, t[0]], [events, e[0]], [other, d2], [events, e[2]], [temp, t[1]], [events, e[1]]] as const) {
      assert.equal(receiver.receive(topic, payload), true);
    }
    assert.deepEqual(values(), ["d1/temp=20", "d1/events=1", "d2/events=9", "d1/temp=21", "d1/events=2", "d1/events=3"]);
    assert.equal(receiver.duplicates, 1);
    assert.deepEqual([...got[1].payload], [...e[0]], "the payload as it came, for consumers that decode it themselves");
  });

  it("leaves alone what is not a channel's up message of this app", () => {
    const { receiver, got } = setup();
    const payload = Buffer.from(new EnvelopeSender("b").encode("x", 1, 0));
    for (const topic of [topics.status("gs", "d1"), topics.log("gs", "d1"), topics.down("gs", "d1", "events"), topics.up("other", "d1", "events"), topics.up("gs", "d1", "unknown")]) {
      assert.equal(receiver.receive(topic, payload), false, topic);
    }
    assert.equal(got.length, 0);
  });

  it("a gap's wait pauses while the server's link is down and counts from the replay after the reconnect", () => {
    const { clock, receiver, log, values } = setup();
    const events = topics.up("gs", "d1", "events");
    const d1 = new EnvelopeSender("d1boot");
    const e = [1, 2, 3].map((v) => Buffer.from(d1.encode(events, v, 0)));
    receiver.receive(events, e[0]);
    receiver.receive(events, e[2]); // overtook 2, which waits in the server's session at the broker
    receiver.linkChanged(false);
    clock.advance(30_000); // the broker restarts on a loaded machine
    receiver.linkChanged(true);
    clock.advance(1_500);
    receiver.receive(events, e[1]); // the session's replay
    assert.deepEqual(values(), ["d1/events=1", "d1/events=2", "d1/events=3"]);
    assert.deepEqual([receiver.gaps, receiver.late, receiver.held, log], [0, 0, 0, []]);
  });

  it("a device's gap waits while its status says offline (its last will) and counts from its first message once it is back; other devices' gaps don't wait", () => {
    const { clock, receiver, log, values } = setup();
    const status = (thing: string, online: boolean, bootId: string) => Buffer.from(encodeDeviceStatus({ online, version: "", bootId, t: clock.now() }));
    const events = (thing: string) => topics.up("gs", thing, "events");
    const d1 = new EnvelopeSender("d1boot");
    const e = [1, 2, 3, 4].map((v) => Buffer.from(d1.encode(events("d1"), v, 0)));
    const d2 = new EnvelopeSender("d2boot");
    const f = [1, 2, 3].map((v) => Buffer.from(d2.encode(events("d2"), v, 0)));
    assert.equal(receiver.receive(topics.status("gs", "d1"), status("d1", true, "d1boot")), false, "a status is for others too");
    receiver.receive(events("d1"), e[0]);
    receiver.receive(events("d1"), e[2]); // 2 was never acknowledged: the device resends it when it is back
    receiver.receive(events("d2"), f[0]);
    receiver.receive(events("d2"), f[2]);
    assert.equal(receiver.receive(topics.status("gs", "d1"), status("d1", false, "will")), false);
    clock.advance(20_000); // the device takes 20 s to reconnect; the server's own link never fell
    receiver.receive(topics.status("gs", "d1"), status("d1", true, "d1boot"));
    clock.advance(1_500);
    receiver.receive(events("d1"), e[3]); // a new message first, then its retransmission
    clock.advance(900);
    receiver.receive(events("d1"), e[1]);
    assert.deepEqual(values(), ["d1/events=1", "d2/events=1", "d2/events=3", "d1/events=2", "d1/events=3", "d1/events=4"]);
    assert.deepEqual([receiver.gaps, receiver.late, receiver.held], [1, 0, 0]);
    assert.deepEqual(log, ["[cloud] gap on sf/gs/d2/events/up: skipped d2boot:2, not there after 1000 ms; delivering from d2boot:3"]);
  });

  it("logs a status it can't read and goes on waiting as before", () => {
    const { clock, receiver, log } = setup();
    const events = topics.up("gs", "d1", "events");
    const d1 = new EnvelopeSender("b");
    const e = [1, 2, 3].map((v) => Buffer.from(d1.encode(events, v, 0)));
    receiver.receive(events, e[0]);
    receiver.receive(events, e[2]);
    assert.equal(receiver.receive(topics.status("gs", "d1"), Buffer.from('{"online":"no"}')), false);
    clock.advance(1000);
    assert.equal(log.length, 2);
    assert.match(log[0], /^\[cloud\] ignored a malformed status of d1: invalid device status: online must be a boolean/);
    assert.match(log[1], /gap on sf\/gs\/d1\/events\/up: skipped b:2/);
  });

  it("logs a malformed message and a gap given up, with [cloud] in front", () => {
    const { clock, receiver, log, values } = setup();
    const events = topics.up("gs", "d1", "events");
    const d1 = new EnvelopeSender("b");
    const e = [1, 2, 3].map((v) => Buffer.from(d1.encode(events, v, 0)));
    receiver.receive(events, Buffer.from("{oops"));
    receiver.receive(events, e[0]);
    receiver.receive(events, e[2]);
    clock.advance(1000);
    assert.deepEqual(values(), ["d1/events=1", "d1/events=3"]);
    assert.match(log[0], /^\[cloud\] dropped a malformed message on sf\/gs\/d1\/events\/up: /);
    assert.equal(log[1], "[cloud] gap on sf/gs/d1/events/up: skipped b:2, not there after 1000 ms; delivering from b:3");
  });

  it("in the local cloud: the fleet monitor's last message is the device's last one, whatever order the broker handed them over in", async function () {
    this.timeout(30_000);
    const entry = writeFeatures(
      {
        "app.ts": `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  api.newCommsChannel<number>("events", { direction: "device-to-server", qos: 1 });
}
`,
      },
      "gs",
    );
    const build = await compileFeatures({ entry });
    const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-upstream-"));
    const cloud = await LocalCloud.start({ stateDir, build, port: 0, dashboardBundleDir: null });
    try {
      const topic = topics.up("gs", "d1", "events");
      const device = new EnvelopeSender("d1boot");
      const [first, second, third] = [1, 2, 3].map((v) => device.encode(topic, v, Date.now()));
      const publish = (payload: string) => cloud.broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, () => {});
      const last = () => cloud.monitor.devices().find((d) => d.thing === "d1")?.lastMessage;
      publish(first);
      await waitFor("the first message", () => last() === "events = 1");
      publish(third);
      publish(second);
      await waitFor("the third message", () => last() === "events = 3");
      await new Promise((resolve) => setTimeout(resolve, 100)); // an out-of-order delivery would show now
      assert.equal(last(), "events = 3");
    } finally {
      await cloud.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
