/** Our broker side by side with plain aedes and Debian's mosquitto, in the same run, each in its
 * own process behind the same mutual TLS, with the same clients (mqtt.js devices in one process,
 * the app's server subscribed with QoS 1 to every device's `up` in this one):
 * - QoS 1 throughput: 100 devices publish 100 messages each at once, until the last arrives, and
 *   the broker process's CPU time per message meanwhile (steadier than throughput when other
 *   work shares the cores);
 * - latency at 100 msg/s from one device (p50, p99);
 * - memory per connection: the broker's RSS with N devices connected, less before, over N;
 * - saturation for N devices (default 1,000): the offered rate doubles every few seconds until
 *   less than 99% arrives within 3 s of the step's end; the last good step is the saturation point. Then twice that for a few seconds: what arrives meanwhile, whether every
 *   message arrives afterwards (no collapse, nothing lost) and the broker's peak RSS. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { prepareFleet, startBroker, startGenerator, startSubscriber, type BrokerKind, type Fleet, type Subscriber } from "../test/support/brokerLoad/brokerLoad";
import { percentile } from "../test/support/measurements";

export interface StepFigures {
  offeredPerSecond: number;
  deliveredShare: number;
  p99Ms: number;
}

export interface BrokerComparisonFigures {
  kind: BrokerKind;
  throughputPerSecond: number;
  /** The broker's CPU time (user + system) per message of the throughput burst, in microseconds. */
  cpuUsPerMessage: number;
  latency: { p50Ms: number; p99Ms: number };
  perConnectionKiB: number;
  steps: StepFigures[];
  saturationPerSecond: number;
  /** Absent when only the throughput part ran (`throughputOnly`). */
  overload?: { offeredPerSecond: number; deliveredInTimeShare: number; allArrived: boolean; drainMs: number; peakRssMiB: number; load?: Record<string, number> };
}

export interface ComparisonOptions {
  devices: number;
  kinds: BrokerKind[];
  stepSeconds: number;
  /** Stop after throughput and latency (no saturation or overload): for iterating on the broker. */
  throughputOnly?: boolean;
  log: (line: string) => void;
}

const THROUGHPUT_DEVICES = 100;
const THROUGHPUT_PER_DEVICE = 100;
const GRACE_MS = 3000;
const FIRST_RATE_PER_DEVICE = 0.5;

export async function compareBrokers(options: ComparisonOptions): Promise<BrokerComparisonFigures[]> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-broker-compare-"));
  try {
    const fleet = await prepareFleet(stateDir, Math.max(options.devices, THROUGHPUT_DEVICES));
    const results: BrokerComparisonFigures[] = [];
    for (const kind of options.kinds) results.push(await measureBroker(kind, fleet, options));
    return results;
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function measureBroker(kind: BrokerKind, fleet: Fleet, options: ComparisonOptions): Promise<BrokerComparisonFigures> {
  const log = (line: string) => options.log(`  [${kind}] ${line}`);
  const broker = await startBroker(kind, fleet);
  const generator = await startGenerator();
  let subscriber: Subscriber | undefined;
  try {
    subscriber = await startSubscriber(broker.port, fleet);
    const before = await broker.rss();
    const connected = await generator.connect(broker.port, fleet, options.devices);
    const perConnectionKiB = (await broker.rss()) - before;
    log(`${connected} devices connected`);

    // Latency at 100 msg/s from one device.
    let phase = 1;
    subscriber.reset(phase);
    await generator.run(100, 5, 1, 1, phase);
    await waitForDelivery(subscriber, 500, 5000);
    const latency = { p50Ms: round(percentile(subscriber.latenciesMs, 0.5)), p99Ms: round(percentile(subscriber.latenciesMs, 0.99)) };

    // Throughput: everything at once.
    subscriber.reset(++phase);
    const total = THROUGHPUT_DEVICES * THROUGHPUT_PER_DEVICE;
    const cpuBefore = await broker.cpuMs();
    const start = performance.now();
    const burst = generator.burst(THROUGHPUT_PER_DEVICE, THROUGHPUT_DEVICES, phase);
    await waitForDelivery(subscriber, total, 120_000);
    const throughputPerSecond = Math.round(subscriber.distinct() / ((subscriber.lastArrivalAt - start) / 1000));
    await burst;
    const cpuUsPerMessage = round(((await broker.cpuMs()) - cpuBefore) * 1000 / total);
    log(`throughput ${throughputPerSecond} msg/s (broker CPU ${cpuUsPerMessage} µs/msg), latency at 100 msg/s p50 ${latency.p50Ms} ms p99 ${latency.p99Ms} ms`);
    const perConnection = Math.round(perConnectionKiB / connected / 102.4) / 10;
    if (options.throughputOnly) return { kind, throughputPerSecond, cpuUsPerMessage, latency, perConnectionKiB: perConnection, steps: [], saturationPerSecond: 0 };

    // Saturation: double the rate until it no longer keeps up.
    const steps: StepFigures[] = [];
    let saturationPerSecond = 0;
    for (let ratePerDevice = FIRST_RATE_PER_DEVICE; ; ratePerDevice *= 2) {
      const offeredPerSecond = ratePerDevice * connected;
      const step = await offer(generator, subscriber, ratePerDevice, options.stepSeconds, connected, ++phase);
      steps.push({ offeredPerSecond, ...step.figures });
      log(`offered ${offeredPerSecond} msg/s: ${(step.figures.deliveredShare * 100).toFixed(1)}% within ${GRACE_MS / 1000} s, p99 ${step.figures.p99Ms} ms`);
      // Keeping up = (nearly) everything arrives within the grace period; p99 is reported beside it.
      if (step.figures.deliveredShare < 0.99) break;
      saturationPerSecond = offeredPerSecond;
      if (ratePerDevice >= 64) break;
    }

    // Twice the saturation point: graceful and bounded, or a collapse? (After the last step's backlog.)
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const overloadRate = Math.max(2 * saturationPerSecond, FIRST_RATE_PER_DEVICE * connected) / connected;
    let peakRss = 0;
    const sampler = setInterval(() => void broker.rssNow().then((rss) => (peakRss = Math.max(peakRss, rss)), () => {}), 250);
    const overload = await offer(generator, subscriber, overloadRate, options.stepSeconds, connected, ++phase);
    const drainStart = performance.now();
    const allArrived = await waitForDelivery(subscriber, overload.sent, 120_000);
    const drainMs = Math.round(performance.now() - drainStart);
    clearInterval(sampler);
    const load = await broker.load();
    log(`overload ${overloadRate * connected} msg/s: ${(overload.figures.deliveredInTime * 100).toFixed(1)}% within ${GRACE_MS / 1000} s, all arrived: ${allArrived} (${drainMs} ms after), peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
    return {
      kind,
      throughputPerSecond,
      cpuUsPerMessage,
      latency,
      perConnectionKiB: perConnection,
      steps,
      saturationPerSecond,
      overload: { offeredPerSecond: overloadRate * connected, deliveredInTimeShare: overload.figures.deliveredInTime, allArrived, drainMs, peakRssMiB: Math.round(peakRss / 2 ** 20), load },
    };
  } finally {
    await subscriber?.close();
    await generator.stop();
    await broker.stop();
  }
}

/** One step of offered load; what arrived within the grace period after it. */
async function offer(generator: Awaited<ReturnType<typeof startGenerator>>, subscriber: Subscriber, ratePerDevice: number, seconds: number, devices: number, phase: number) {
  subscriber.reset(phase);
  const sentBefore = (await generator.counts()).sent;
  await generator.run(ratePerDevice, seconds, 1, devices, phase);
  const sent = (await generator.counts()).sent - sentBefore;
  await waitForDelivery(subscriber, sent, GRACE_MS);
  const deliveredShare = subscriber.distinct() / sent;
  return { sent, figures: { deliveredShare: round(deliveredShare, 3), deliveredInTime: round(deliveredShare, 3), p99Ms: round(percentile(subscriber.latenciesMs, 0.99)) } };
}

async function waitForDelivery(subscriber: Subscriber, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (subscriber.distinct() < count) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
