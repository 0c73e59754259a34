import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { mqtt as crt } from "aws-iot-device-sdk-v2";
import { topics } from "../core/contracts/topics";
import { LocalBroker } from "../local/broker";
import { sdkConnection } from "../local/broker/sdkConnection";
import { channelManifest } from "../test/support/channelManifest";

/** What keeping sessions on disk costs (local/broker/sessionStore.ts): QoS 1 messages queued for an
 * offline device (the real SDK, cleanSession 0), the broker restarted on the same state dir, and the
 * backlog drained when the device comes back. Baseline in the same run: the same messages to the
 * same device while it is online (each is also written to the session, then cleared by PUBACK). */
const QUEUED = 2000;
const APP = "bench";
const THING = "d1";
const manifest = channelManifest(APP, [{ name: "cmd", qos: 1, direction: "server-to-device", replay: 0 }]);
/** AWS's 500 queued messages per second would drop most of a burst: measure storage, not the limit. */
const sessionLimits = { queuedPerSecond: 1_000_000 };

export interface SessionBenchFigures {
  queued: number;
  onlineDeliveriesPerSecond: number;
  /** This process's CPU (broker and the SDK's client together) per online delivery, in µs. */
  onlineCpuUsPerDelivery: number;
  enqueuePerSecond: number;
  restartMs: number;
  drainPerSecond: number;
  databaseBytes: number;
}

export async function runSessionBench(): Promise<SessionBenchFigures> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-sessions-bench-"));
  let broker = await LocalBroker.start({ stateDir, app: APP, manifest, sessionLimits, persistSessions: true });
  const port = broker.mqttsPort;
  const identity = await broker.provisionDevice(THING);
  const topic = topics.down(APP, THING, "cmd");
  const connect = async () => {
    const connection = sdkConnection({ host: "127.0.0.1", port, caCertPem: broker.caCertPem, ...identity, clientId: THING, cleanSession: false });
    let received = 0;
    connection.on("message", () => received++);
    await connection.connect();
    return { connection, received: () => received };
  };
  const publishAll = (n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) => new Promise<void>((resolve) => broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(String(i)), qos: 1, retain: false, dup: false }, () => resolve()))),
    );
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  try {
    // Baseline: online delivery.
    let device = await connect();
    await device.connection.subscribe(topic, 1 as crt.QoS);
    let t = performance.now();
    const cpu = process.cpuUsage();
    await publishAll(QUEUED);
    await until(() => device.received() >= QUEUED && broker.sessions.queued(THING) === 0);
    const onlineDeliveriesPerSecond = QUEUED / ((performance.now() - t) / 1000);
    const used = process.cpuUsage(cpu);
    const onlineCpuUsPerDelivery = (used.user + used.system) / QUEUED;
    await device.connection.disconnect();
    const clients = (broker.aedes as unknown as { clients: Record<string, unknown> }).clients;
    await until(() => clients[THING] === undefined);

    t = performance.now();
    await publishAll(QUEUED);
    const enqueuePerSecond = QUEUED / ((performance.now() - t) / 1000);

    t = performance.now();
    await broker.stop();
    broker = await LocalBroker.start({ stateDir, app: APP, manifest, sessionLimits, mqttsPort: port, persistSessions: true });
    const restartMs = performance.now() - t;
    if (broker.sessions.queued(THING) !== QUEUED) throw new Error(`expected ${QUEUED} queued after the restart, found ${broker.sessions.queued(THING)}`);

    t = performance.now();
    device = await connect();
    await until(() => device.received() >= QUEUED && broker.sessions.queued(THING) === 0);
    const drainPerSecond = QUEUED / ((performance.now() - t) / 1000);
    await device.connection.disconnect();
    const databaseBytes = directoryBytes(path.join(stateDir, "broker-sessions"));
    return { queued: QUEUED, onlineDeliveriesPerSecond, onlineCpuUsPerDelivery, enqueuePerSecond, restartMs, drainPerSecond, databaseBytes };
  } finally {
    await broker.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

function directoryBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

if (require.main === module) {
  runSessionBench().then(
    (f) => {
      const r = (n: number) => Math.round(n).toLocaleString("en-US");
      console.log(`persistent sessions on disk, ${r(f.queued)} QoS 1 messages to one device (SDK, cleanSession 0):`);
      console.log(`  online delivery (baseline):      ${r(f.onlineDeliveriesPerSecond)} msg/s, ${r(f.onlineCpuUsPerDelivery)} µs of CPU each (broker and client)`);
      console.log(`  queued for the offline device:   ${r(f.enqueuePerSecond)} msg/s (${(f.enqueuePerSecond / f.onlineDeliveriesPerSecond).toFixed(2)}× baseline)`);
      console.log(`  broker restart with the backlog: ${r(f.restartMs)} ms`);
      console.log(`  backlog drained after reconnect: ${r(f.drainPerSecond)} msg/s (${(f.drainPerSecond / f.onlineDeliveriesPerSecond).toFixed(2)}× baseline; AWS: at most 10 stored msg/s)`);
      console.log(`  session database on disk:        ${r(f.databaseBytes / 1024)} KB`);
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
