import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type mqtt from "mqtt";
import { DedupWindow } from "../core/contracts/dedupWindow";
import { decodeEnvelope, encodeEnvelope } from "../core/contracts/envelope";
import type { Manifest } from "../core/contracts/manifest";
import { MqttTransport } from "../firmware/comms/mqttTransport";
import { DEFAULT_IN_FLIGHT_WINDOW, ReliableOutbox } from "../firmware/comms/reliableOutbox";
import { LocalBroker } from "../local/broker";
import { channelManifest } from "../test/support/channelManifest";
import { latencyFigures, median, type LatencyFigures } from "../test/support/measurements";
import { connectDashboard } from "../test/support/dashboardClient";

/** The device's resilient link on the local broker: the real device SDK (MqttTransport) over
 * mutual TLS, every message policy-checked on publish and delivery.
 * 1. Latency device → subscriber at 100 msg/s (AWS's per-connection publish limit) through the
 *    device's outbox, to an in-process subscriber (with the dedup window, as cloud receivers run
 *    it) and a dashboard over WebSocket (mqtt.js). Goal: p99 ≤ 20 ms.
 * 2. Exactly-once throughput (outbox with its in-flight window + receiver dedup) against raw
 *    QoS 1 publishing (every publish handed to the SDK at once, no window, no dedup), same
 *    broker, same connection, same run, alternating rounds. Goal: ratio ≥ 0.7. */
const APP = "bench";
const THING = "d1";
const RATE_PER_SECOND = 100;
const LATENCY_SECONDS = 5;
const BURST = 4000;
const ROUNDS = 5;
/** `WINDOW=64 node --import tsx bench/comms.bench.ts` compares window sizes (AWS caps it at 100). */
const WINDOW = Number(process.env.WINDOW ?? DEFAULT_IN_FLIGHT_WINDOW);

export interface CommsBenchFigures {
  latency: { sent: number; inProcess: LatencyFigures; webSocket: LatencyFigures };
  throughput: { messages: number; rawPerSecond: number; exactlyOncePerSecond: number; ratio: number; duplicates: number };
}

export async function runCommsBench(): Promise<CommsBenchFigures> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-comms-bench-"));
  const broker = await LocalBroker.start({ stateDir, app: APP, manifest: benchManifest() });
  const identity = await broker.provisionDevice(THING);
  const transport = new MqttTransport({ endpoint: "127.0.0.1", port: broker.mqttsPort, caCertPem: broker.caCertPem, certPem: identity.certPem, keyPem: identity.keyPem, thing: THING });
  let dashboard: mqtt.MqttClient | undefined;
  try {
    await transport.connect();
    const latencyTopic = `sf/${APP}/${THING}/temperature/up`;
    const burstTopic = `sf/${APP}/${THING}/burst/up`;

    // In-process receiver: dedup by envelope id, then record.
    const dedup = new DedupWindow();
    const inProcess: number[] = [];
    let burstReceived = 0;
    let onBurst: (() => void) | undefined;
    broker.aedes.subscribe(`sf/${APP}/${THING}/+/up`, (packet, done) => {
      const envelope = decodeEnvelope(packet.payload as Buffer);
      if (dedup.accept(envelope.id)) {
        if (packet.topic === latencyTopic) inProcess.push(performance.now() - (envelope.v as number));
        else if (++burstReceived === BURST) onBurst?.();
      }
      done();
    }, () => {});
    const webSocket: number[] = [];
    dashboard = await connectDashboard(broker, { clientId: `sf-${APP}-dashboard-bench` });
    dashboard.on("message", (_topic, payload) => webSocket.push(performance.now() - (decodeEnvelope(payload).v as number)));
    await dashboard.subscribeAsync(latencyTopic, { qos: 1 });

    // 1. Latency at a steady rate through the outbox.
    const outbox = new ReliableOutbox({ transport, capacity: 10_000, inFlightWindow: WINDOW });
    let seq = 0;
    const bootId = "bench";
    const sent = RATE_PER_SECOND * LATENCY_SECONDS;
    const start = performance.now();
    for (let i = 0; i < sent; i++) {
      const wait = start + (i * 1000) / RATE_PER_SECOND - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      outbox.push({ topic: latencyTopic, payload: encodeEnvelope(bootId, ++seq, performance.now(), Date.now()), qos: 1 });
    }
    await until(() => inProcess.length >= sent && webSocket.length >= sent && outbox.unacknowledged === 0);

    // 2. Throughput: a burst of BURST messages, raw vs exactly-once, alternating rounds.
    const burst = async (send: (payload: string) => void): Promise<number> => {
      burstReceived = 0;
      const done = new Promise<void>((resolve) => (onBurst = resolve));
      const t0 = performance.now();
      for (let i = 0; i < BURST; i++) send(encodeEnvelope(bootId, ++seq, i, Date.now()));
      await done;
      return BURST / ((performance.now() - t0) / 1000);
    };
    const raw: number[] = [];
    const exactlyOnce: number[] = [];
    await burst((p) => void transport.connection.publish(burstTopic, p, 1)); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      raw.push(await burst((p) => void transport.connection.publish(burstTopic, p, 1)));
      exactlyOnce.push(await burst((p) => outbox.push({ topic: burstTopic, payload: p, qos: 1 })));
    }
    await until(() => outbox.unacknowledged === 0);
    const rawPerSecond = median(raw);
    const exactlyOncePerSecond = median(exactlyOnce);
    return {
      latency: { sent, inProcess: latencyFigures(inProcess), webSocket: latencyFigures(webSocket) },
      throughput: { messages: BURST, rawPerSecond: Math.round(rawPerSecond), exactlyOncePerSecond: Math.round(exactlyOncePerSecond), ratio: round(exactlyOncePerSecond / rawPerSecond), duplicates: dedup.duplicates },
    };
  } finally {
    await dashboard?.endAsync(true);
    await transport.disconnect();
    await broker.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("comms bench: timed out waiting for messages");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

function benchManifest(): Manifest {
  return channelManifest(APP, [
    { name: "temperature", qos: 1, direction: "device-to-server", replay: 0 },
    { name: "burst", qos: 1, direction: "device-to-server", replay: 0 },
  ], "bench");
}

if (require.main === module) {
  runCommsBench().then(
    ({ latency: l, throughput: t }) => {
      console.log(`device -> subscriber latency through the outbox, QoS 1 over mutual TLS, ${l.sent} messages at ${RATE_PER_SECOND}/s (goal p99 <= 20 ms)`);
      for (const [name, f] of [["in-process (aedes.subscribe + dedup)", l.inProcess], ["dashboard (mqtt.js over WebSocket)", l.webSocket]] as const) {
        console.log(`  ${name.padEnd(38)} received ${f.received}/${l.sent}  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  max ${f.maxMs} ms`);
      }
      console.log(`throughput, bursts of ${t.messages} QoS 1 messages, median of ${ROUNDS} rounds each (goal ratio >= 0.7)`);
      console.log(`  raw QoS 1 publish (no window, no dedup)        ${t.rawPerSecond} msg/s`);
      console.log(`  exactly once (outbox window ${String(WINDOW).padEnd(3)} + dedup)      ${t.exactlyOncePerSecond} msg/s`);
      console.log(`  ratio ${t.ratio}   duplicates dropped ${t.duplicates}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
