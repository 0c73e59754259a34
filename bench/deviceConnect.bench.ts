/** What one device's CONNECT-to-ready costs, broker side and device side apart: a LocalCloud
 * (as `snapfleet dev` starts it) with NO job deployed, one fleet host process (as dev's, from the
 * TypeScript sources) that connects N devices (default 200) 16 at a time, each as
 * SimulatedDevice.start does it (mutual TLS, persistent session, its SUBSCRIBEs, its online status,
 * the OTA agent's jobs start-next). Certificates are issued before the measurement (their cost is
 * bench/certificates.bench.ts's); one device connects first, unmeasured, so the host has loaded
 * what a connect needs. Measured from the first connect until every device has started (with no
 * job no app runs, so no "online" status is published: that publish is not in these figures) and
 * no MQTT packet moved for QUIET_MS (that quiet time's idle CPU is in it):
 * - CPU ms per device of this process's main thread (broker + cloud services) and its other
 *   threads, and of the fleet host process (the device side), from /proc (CPU, not wall: the
 *   machine is shared);
 * - MQTT packets per device each way by type, with their bytes (parsed from the TLS sockets'
 *   plaintext, mqtt-packet), PUBLISHes by topic;
 * - LevelDB writes per device (the session store's batches and the operations in them) and reads
 *   (gets and iterators).
 * `node --import tsx bench/deviceConnect.bench.ts [N]`; CONNECT_BENCH_PROFILE=<file.cpuprofile>
 * writes the main thread's profile of the measured part (`node scripts/cpuProfileSummary.mjs`). */
import fs from "node:fs";
import inspector from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import type { Socket } from "node:net";
import { ClassicLevel } from "classic-level";
import mqttPacket from "mqtt-packet";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { FleetHost } from "../firmware/fleetHost/fleetHost";
import { HEARTBEAT_MS } from "../firmware/isolation/isolatedApp";
import { LocalCloud } from "../local/cloud";
import { cpuMs, ownCpuByThread } from "../test/support/processInfo";
import { writeFeatures } from "../test/support/tempFeatures";
import { waitFor } from "../test/support/waitFor";

const devices = Number(process.argv[2] ?? 200);
const AT_ONCE = 16;
const QUIET_MS = 1500;
const profileFile = process.env.CONNECT_BENCH_PROFILE;

/** Packets of one direction of every device link, by type (PUBLISH and SUBSCRIBE by topic too). */
class PacketCount {
  readonly byType = new Map<string, { count: number; bytes: number }>();
  lastAt = performance.now();
  add(key: string, bytes: number): void {
    const entry = this.byType.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += bytes;
    this.byType.set(key, entry);
    this.lastAt = performance.now();
  }
  parser(): (chunk: Buffer) => void {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let pending = 0;
    parser.on("packet", (parsed: mqttPacket.Packet) => {
      const packet = parsed as mqttPacket.Packet & { topic?: string; subscriptions?: { topic: string }[] };
      const bytes = (packet.length ?? 0) + 2; // fixed header: 1 byte + at least 1 of remaining length
      const topic = packet.topic ?? packet.subscriptions?.map((s) => s.topic).join(" + ");
      this.add(topic ? `${packet.cmd} ${shape(topic)}` : packet.cmd, bytes);
      pending = 0;
    });
    parser.on("error", () => (pending = -1));
    return (chunk) => {
      if (pending >= 0) parser.parse(chunk);
    };
  }
}

/** A topic with its thing name and ids replaced, so devices' packets group together. */
const shape = (topic: string) => topic.replace(/sim-\d+/g, "{thing}").replace(/\/[0-9a-f]{12,}/g, "/{id}");

async function main(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-connect-bench-"));
  const build = await compileFeatures({ entry: writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {}\n` }, "connect-bench") });
  const host = FleetHost.launch({ name: "fleet host", onLog: (thing, line) => /fail|refus|error/i.test(line) && console.log(`[${thing}] ${line}`), onHostLine: (line) => console.log(`[host] ${line}`) });
  const cloud = await LocalCloud.start({ stateDir, build, port: 0, dashboardBundleDir: null, log: (line) => /error|fail/i.test(line) && console.log(`[cloud] ${line}`) });

  // LevelDB writes as they reach the database (after the session store's coalescing).
  const level = { batches: 0, operations: 0, reads: 0 };
  const proto = ClassicLevel.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [method, ops] of [["_put", () => 1], ["_del", () => 1], ["_batch", (a: unknown[]) => (a[0] as unknown[]).length]] as const) {
    const original = proto[method];
    proto[method] = function (this: unknown, ...args: unknown[]) {
      level.batches++;
      level.operations += ops(args);
      return original.apply(this, args);
    };
  }
  // Reads: gets, and iterators of every kind (each at least an open, a next and a close on libuv's pool).
  for (const method of ["_get", "_getMany", "_iterator", "_keys", "_values"]) {
    const original = proto[method];
    proto[method] = function (this: unknown, ...args: unknown[]) {
      level.reads++;
      return original.apply(this, args);
    };
  }
  const inbound = new PacketCount();
  const outbound = new PacketCount();
  const aedes = cloud.broker.aedes as unknown as { handle(socket: Socket, ...rest: unknown[]): unknown };
  const handle = aedes.handle.bind(aedes);
  aedes.handle = (socket, ...rest) => {
    const seeIn = inbound.parser();
    const read = socket.read.bind(socket);
    socket.read = (size?: number) => {
      const chunk = read(size) as Buffer | null;
      if (chunk) seeIn(chunk);
      return chunk;
    };
    const seeOut = outbound.parser();
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...a: unknown[]) => {
      if (Buffer.isBuffer(chunk)) seeOut(chunk);
      else if (typeof chunk === "string") seeOut(Buffer.from(chunk));
      return write(chunk, ...a);
    }) as typeof socket.write;
    return handle(socket, ...rest);
  };

  await host.configure(
    { app: cloud.app, endpoint: "127.0.0.1", port: cloud.broker.mqttsPort, caCertPem: cloud.broker.caCertPem, devices: devices + 1, appThreads: 2, heartbeatMs: HEARTBEAT_MS, deviceStopMs: 2000, haltMs: 1000 },
    new Map(),
  );
  const things = Array.from({ length: devices + 1 }, (_, i) => `sim-${i + 1}`);
  const identities = new Map<string, { certPem: string; keyPem: string }>();
  for (const thing of things) identities.set(thing, await cloud.broker.provisionDevice(thing));
  const startOne = async (thing: string) => {
    const { certPem, keyPem } = identities.get(thing)!;
    await host.startDevice({ thing, stateDir: path.join(stateDir, "devices", thing), certPem, keyPem, pinTimeOffsetMs: 0 });
    cloud.addDevice(thing);
  };
  // With no job no app runs, so nothing publishes "online": ready is started (connected, the OTA
  // agent's start-next answered) and the links quiet.
  const settle = async () => {
    await waitFor("no packet for a while", () => performance.now() - Math.max(inbound.lastAt, outbound.lastAt) > QUIET_MS, 60_000, 100);
  };
  await startOne(things[0]);
  await settle();
  inbound.byType.clear();
  outbound.byType.clear();
  level.batches = level.operations = level.reads = 0;

  const loadBefore = os.loadavg()[0];
  let profiler: inspector.Session | undefined;
  if (profileFile) {
    profiler = new inspector.Session();
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.start");
  }
  const own0 = ownCpuByThread();
  const host0 = cpuMs(host.pid);
  const t0 = performance.now();
  const queue = things.slice(1);
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    for (let thing = queue.shift(); thing; thing = queue.shift()) await startOne(thing);
  }));
  const startedMs = performance.now() - t0;
  await settle();
  const quietAt = Math.max(inbound.lastAt, outbound.lastAt);
  const own1 = ownCpuByThread();
  const host1 = cpuMs(host.pid);
  if (profiler) {
    const { profile } = await profiler.post("Profiler.stop");
    fs.writeFileSync(profileFile!, JSON.stringify(profile));
    profiler.disconnect();
  }
  const per = (ms: number) => (ms / devices).toFixed(2);
  console.log(`${devices} devices, no job; load average ${loadBefore.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)}`);
  console.log(`  all started ${(startedMs / 1000).toFixed(1)} s, last packet ${((quietAt - t0) / 1000).toFixed(1)} s (measured to ${QUIET_MS} ms after it)`);
  console.log(`  CPU per device: broker process main thread ${per(own1.main - own0.main)} ms, its other threads ${per(own1.others - own0.others)} ms; device side (fleet host) ${per(host1 - host0)} ms`);
  console.log(`  LevelDB per device: ${(level.batches / devices).toFixed(2)} writes carrying ${(level.operations / devices).toFixed(2)} operations; ${(level.reads / devices).toFixed(2)} reads (gets and iterators)`);
  for (const [name, count] of [["device -> broker", inbound], ["broker -> device", outbound]] as const) {
    let packets = 0;
    let bytes = 0;
    for (const e of count.byType.values()) (packets += e.count), (bytes += e.bytes);
    console.log(`  ${name}: ${(packets / devices).toFixed(2)} packets, ${(bytes / devices).toFixed(0)} bytes per device`);
    for (const [key, e] of [...count.byType].sort((a, b) => b[1].count - a[1].count)) {
      console.log(`    ${(e.count / devices).toFixed(2)} × ${key} (${Math.round(e.bytes / e.count)} B)`);
    }
  }
  await host.stop();
  await cloud.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
  process.exit(0);
}

void main();
