/** `npm run test:slow`: the broker under the load that used to collapse it, 1,000 devices x
 * 20 QoS 1 messages/s (BROKER_OVERLOAD_DEVICES, _RATE and _SECONDS change it), from another
 * process over mutual TLS, the broker in its own process with its default limits. It must stay
 * bounded (in flight within its bound, RSS well below the 800 MiB of the collapse) and deliver
 * every QoS 1 message once the load falls. No timing assertion: how fast depends on the machine. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEFAULT_LOAD_LIMITS } from "../../local/broker/backpressure";
import { prepareFleet, startBroker, startGenerator, startSubscriber } from "../support/brokerLoad/brokerLoad";

const DEVICES = Number(process.env.BROKER_OVERLOAD_DEVICES ?? 1000);
const RATE = Number(process.env.BROKER_OVERLOAD_RATE ?? 20);
const SECONDS = Number(process.env.BROKER_OVERLOAD_SECONDS ?? 10);
/** What the broker may hold: a baseline, the connections, and the in-flight bound's messages. */
const RSS_BOUND = 600 * 2 ** 20;

describe(`broker overload (long): ${DEVICES} devices x ${RATE} QoS 1 msg/s for ${SECONDS} s`, function () {
  this.timeout(0);

  it("stays within its in-flight bound and memory, slows publishers down, and delivers every message after", async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-overload-"));
    const fleet = await prepareFleet(stateDir, DEVICES);
    const broker = await startBroker("snapfleet", fleet);
    const generator = await startGenerator();
    const subscriber = await startSubscriber(broker.port, fleet);
    let peakRss = 0;
    const sampler = setInterval(() => void broker.rssNow().then((rss) => (peakRss = Math.max(peakRss, rss)), () => {}), 250);
    try {
      assert.equal(await generator.connect(broker.port, fleet), DEVICES);
      await generator.run(RATE, SECONDS);
      const { sent } = await generator.counts();
      const deadline = Date.now() + 10 * 60_000;
      while (subscriber.distinct() < sent && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      const load = (await broker.load())!;
      console.log(`      sent ${sent}, arrived ${subscriber.distinct()}, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, load ${JSON.stringify(load)}`);
      assert.equal(subscriber.distinct(), sent, "every QoS 1 message arrives once the load falls");
      assert.ok(load.peakInFlight <= DEFAULT_LOAD_LIMITS.maxInFlight, `peak in flight ${load.peakInFlight}`);
      assert.equal(load.inFlight, 0);
      assert.equal(load.heldClients, 0);
      assert.ok(peakRss < RSS_BOUND, `broker RSS peaked at ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
      assert.equal((await generator.counts()).closes, 0, "no device lost its connection");
    } finally {
      clearInterval(sampler);
      await subscriber.close();
      await generator.stop();
      await broker.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
