import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type mqtt from "mqtt";
import type { Manifest } from "../core/contracts/manifest";
import { LocalBroker } from "../local/broker";
import { sdkConnection } from "../local/broker/sdkConnection";
import { channelManifest } from "../test/support/channelManifest";
import type { BrokerKind } from "../test/support/brokerLoad/brokerLoad";
import { compareBrokers } from "./brokerComparison";
import { latencyFigures, type LatencyFigures } from "../test/support/measurements";
import { measurePolicyDecisions } from "./policyDecisions";
import { connectDashboard } from "../test/support/dashboardClient";

/** Device-to-subscriber latency through the local broker: the real device SDK publishes QoS 1
 * over mutual TLS at a steady rate (AWS's per-connection limit is 100 publishes/s), every
 * message authorized by the IoT policy evaluator on publish and on each delivery. Two
 * subscribers: in-process (how local services listen) and a dashboard over WebSocket (mqtt.js). */
const RATE_PER_SECOND = 100;
const SECONDS = 5;
const APP = "bench";

export interface BrokerBenchFigures {
  sent: number;
  ratePerSecond: number;
  inProcess: LatencyFigures;
  webSocket: LatencyFigures;
}

export async function runBrokerBench(): Promise<BrokerBenchFigures> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-broker-bench-"));
  const broker = await LocalBroker.start({ stateDir, app: APP, manifest: benchManifest() });
  const device = sdkConnection({
    host: "127.0.0.1",
    port: broker.mqttsPort,
    caCertPem: broker.caCertPem,
    ...(await broker.provisionDevice("d1")),
    clientId: "d1",
  });
  let dashboard: mqtt.MqttClient | undefined;
  try {
    const topic = `sf/${APP}/d1/temperature/up`;
    const inProcess: number[] = [];
    const webSocket: number[] = [];
    const latency = (payload: Buffer | string) => performance.now() - (JSON.parse(payload.toString()) as { t: number }).t;
    broker.aedes.subscribe(topic, (packet, done) => {
      inProcess.push(latency(packet.payload));
      done();
    }, () => {});
    dashboard = await connectDashboard(broker, { clientId: `sf-${APP}-dashboard-bench` });
    dashboard.on("message", (_topic, payload) => webSocket.push(latency(payload)));
    await dashboard.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });
    await device.connect();

    const sent = RATE_PER_SECOND * SECONDS;
    const acks: Promise<unknown>[] = [];
    const start = performance.now();
    for (let i = 0; i < sent; i++) {
      // Paced against the start time so timer drift doesn't lower the rate.
      const due = start + (i * 1000) / RATE_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      acks.push(device.publish(topic, JSON.stringify({ i, t: performance.now() }), 1));
    }
    await Promise.all(acks);
    const deadline = Date.now() + 5000;
    while ((inProcess.length < sent || webSocket.length < sent) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { sent, ratePerSecond: RATE_PER_SECOND, inProcess: latencyFigures(inProcess), webSocket: latencyFigures(webSocket) };
  } finally {
    await dashboard?.endAsync(true);
    await device.disconnect();
    await broker.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

function benchManifest(): Manifest {
  return channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }], "bench");
}

/** Side by side with plain aedes and mosquitto (brokerComparison.ts); BENCH_BROKER_DEVICES sets
 * the fleet (default 1,000), BENCH_BROKER_KINDS which brokers (default all three),
 * BENCH_BROKER_THROUGHPUT_ONLY=1 stops each after throughput and latency. */
async function printComparison(): Promise<void> {
  const devices = Number(process.env.BENCH_BROKER_DEVICES ?? 1000);
  const kinds = (process.env.BENCH_BROKER_KINDS ?? "mosquitto,aedes,snapfleet").split(",") as BrokerKind[];
  console.log(`\nside by side (same TLS, same mqtt.js clients, each broker in its own process; ${devices} devices; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
  const throughputOnly = process.env.BENCH_BROKER_THROUGHPUT_ONLY === "1";
  const results = await compareBrokers({ devices, kinds, stepSeconds: 4, throughputOnly, log: (line) => console.log(line) });
  for (const r of results) {
    const overload = r.overload;
    console.log(
      `  ${r.kind.padEnd(10)} QoS 1 throughput ${r.throughputPerSecond} msg/s (broker CPU ${r.cpuUsPerMessage} µs/msg) | 100 msg/s p50 ${r.latency.p50Ms} ms p99 ${r.latency.p99Ms} ms | ${r.perConnectionKiB} KiB/connection` +
        (overload
          ? ` | saturation ${r.saturationPerSecond} msg/s | at ${overload.offeredPerSecond} msg/s: ${(overload.deliveredInTimeShare * 100).toFixed(1)}% in time, all arrived ${overload.allArrived} (+${overload.drainMs} ms), peak RSS ${overload.peakRssMiB} MiB` +
            (overload.load ? ` | peak in flight ${overload.load.peakInFlight}, holds ${overload.load.holds}, QoS 0 dropped ${overload.load.droppedQos0}` : "")
          : ""),
    );
  }
  const ours = results.find((r) => r.kind === "snapfleet");
  for (const base of results.filter((r) => r.kind !== "snapfleet")) {
    if (!ours) break;
    const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
    console.log(
      `  snapfleet / ${base.kind}: throughput x${ratio(ours.throughputPerSecond, base.throughputPerSecond)}, broker CPU per message x${ratio(ours.cpuUsPerMessage, base.cpuUsPerMessage)}, saturation x${ratio(ours.saturationPerSecond, base.saturationPerSecond)}, ` +
        `p99 at 100 msg/s x${ratio(ours.latency.p99Ms, base.latency.p99Ms)}, memory per connection x${ratio(ours.perConnectionKiB, base.perConnectionKiB)}`,
    );
  }
}

if (require.main === module) {
  runBrokerBench().then(
    async (f) => {
      console.log(`device -> subscriber latency, QoS 1 over mutual TLS, ${f.sent} messages at ${f.ratePerSecond}/s`);
      for (const [name, l] of [["in-process (aedes.subscribe)", f.inProcess], ["dashboard (mqtt.js over WebSocket)", f.webSocket]] as const) {
        console.log(`  ${name.padEnd(36)} received ${l.received}/${f.sent}  p50 ${l.p50Ms} ms  p99 ${l.p99Ms} ms  max ${l.maxMs} ms`);
      }
      const policy = measurePolicyDecisions();
      console.log(
        `policy decision per message (device policies, 4 channels): interpreter ${policy.interpreterNs} ns, compiled per connection ${policy.compiledUncachedNs} ns ` +
          `(x${(policy.interpreterNs / policy.compiledUncachedNs).toFixed(1)} faster), with its decision cache ${policy.compiledNs} ns (x${(policy.interpreterNs / policy.compiledNs).toFixed(1)})`,
      );
      await printComparison();
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
