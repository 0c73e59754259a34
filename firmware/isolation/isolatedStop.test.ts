import assert from "node:assert/strict";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { topics } from "../../core/contracts/topics";
import { writeApp } from "../../test/support/tempFeatures";
import { InMemoryTransport, type QoS } from "../transport";
import { IsolatedApp } from "./isolatedApp";

/** A link whose broker takes `delayMs` to acknowledge the device's status (a fleet's rollout). */
class SlowStatusTransport extends InMemoryTransport {
  constructor(private readonly delayMs: number) {
    super();
  }

  override publish(topic: string, payload: string, qos: QoS, retain = false): Promise<void> {
    const sent = super.publish(topic, payload, qos, retain);
    if (!topic.endsWith("/_status")) return sent;
    return sent.then(() => new Promise((resolve) => setTimeout(resolve, this.delayMs)));
  }
}

describe("IsolatedApp.stop: an app whose code has stopped is not terminated while the broker acknowledges its offline status", function () {
  this.timeout(60_000);

  it("waits past the stop limit for a slow PUBACK once the app says its code has stopped (a stuck app: test/isolation.test.ts)", async () => {
    const build = await compileFeatures({ entry: writeApp(`const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });\n  api.mcu.setInterval(() => level.pushMessageToServer(1), 5000);`) });
    const transport = new SlowStatusTransport(900);
    const logs: string[] = [];
    const app = await IsolatedApp.start({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", transport, stopTimeoutMs: 300, onLog: (l) => logs.push(l) });
    await app.stop();
    assert.deepEqual(logs.filter((l) => /did not stop/.test(l)), [], "the slow acknowledgement is the broker's, not a stuck app");
    assert.ok(app.lastStats, "a clean stop: the app answered `stopped` with its heap figures");
    const statuses = transport.sent.filter((m) => m.topic === topics.status(build.manifest.app, "gh-1")).map((m) => JSON.parse(m.payload).online);
    assert.deepEqual(statuses.slice(-1), [false], "its offline status went out");
  });
});
