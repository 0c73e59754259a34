/** Load against a broker from outside, the same way for our broker, plain aedes and Debian's
 * mosquitto: each broker in its own process on a 127.0.0.1 port with the same mutual TLS
 * (the local PKI's server certificate, client certificates required), simulated devices in
 * another process (loadGenerator.ts), and a QoS 1 subscriber on every device's `up` topic here.
 * Used by the broker bench and the overload tests. */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import mqtt from "mqtt";
import type { Manifest } from "../../../core/contracts/manifest";
import { serverClientId } from "../../../core/policy";
import { ensureLocalPki, type LocalPki, type ServiceIdentity } from "../../../local/certificates";
import { ThingRegistry } from "../../../local/registry";
import { channelManifest } from "../channelManifest";
import { cpuMs as processCpuMs, residentBytes } from "../processInfo";
import type { BrokerProcessArgs, BrokerStats } from "./brokerProcess";
import type { GeneratorCommand, GeneratorCounts, GeneratorDevice } from "./loadGenerator";

export const LOAD_APP = "load";
export const LOAD_CHANNEL = "temperature";
export const MOSQUITTO = "/usr/sbin/mosquitto";

export function loadManifest(): Manifest {
  return channelManifest(LOAD_APP, [{ name: LOAD_CHANNEL, qos: 1, direction: "both", replay: 0 }], "load");
}

export interface Fleet {
  stateDir: string;
  pki: LocalPki;
  devices: GeneratorDevice[];
  /** The app's server identity: the subscriber (what the server host would be). */
  server: ServiceIdentity;
}

/** Certificates for `count` devices (reused from the state dir on a later run) and their things. */
export async function prepareFleet(stateDir: string, count: number): Promise<Fleet> {
  const pki = await ensureLocalPki(stateDir);
  const registry = await ThingRegistry.open(stateDir);
  const devices: GeneratorDevice[] = [];
  for (let i = 1; i <= count; i++) {
    const identity = await pki.deviceIdentity(`dev-${i}`);
    await registry.attach(identity.thingName, identity.certPem);
    devices.push({ thingName: identity.thingName, certPath: identity.certPath, keyPath: identity.keyPath });
  }
  return { stateDir, pki, devices, server: await pki.serviceIdentity("server") };
}

export type BrokerKind = "snapfleet" | "aedes" | "mosquitto";

export interface RunningBroker {
  kind: BrokerKind;
  port: number;
  pid: number;
  /** Resident memory of the broker's process (from /proc, the same way for all three), after a
   * garbage collection in the Node brokers: what it holds. */
  rss(): Promise<number>;
  /** The same without collecting first, for sampling a peak. */
  rssNow(): Promise<number>;
  /** CPU time (user + system) the broker's process has used so far, from /proc, the same way for
   * all three: per message it is steadier than throughput on a shared machine. */
  cpuMs(): Promise<number>;
  /** snapfleet only: its load counters (backpressure, drops, queues). */
  load(): Promise<Record<string, number> | undefined>;
  stop(): Promise<void>;
}

export async function startBroker(kind: BrokerKind, fleet: Fleet, load?: Record<string, number>): Promise<RunningBroker> {
  return kind === "mosquitto" ? startMosquitto(fleet) : startNodeBroker(kind, fleet, load);
}

async function startNodeBroker(kind: "snapfleet" | "aedes", fleet: Fleet, load?: Record<string, number>): Promise<RunningBroker> {
  const args: BrokerProcessArgs = { kind, stateDir: fleet.stateDir, app: LOAD_APP, manifest: loadManifest(), load };
  // BROKER_CPU_PROF=<dir>: a CPU profile of the broker's process (node --cpu-prof) for the bench.
  const profile = process.env.BROKER_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BROKER_CPU_PROF}`] : [];
  const child = fork(path.join(__dirname, "brokerProcess.ts"), [JSON.stringify(args)], { execArgv: ["--import", "tsx", "--expose-gc", ...profile], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const { port } = await reply<{ port: number }>(child, (m) => "port" in m, 60_000);
  return {
    kind,
    port,
    pid: child.pid!,
    // Garbage first, so what is measured is what the broker holds.
    rss: async () => {
      child.send("gc");
      await reply(child, (m) => "gc" in m);
      return residentBytes(child.pid!);
    },
    rssNow: async () => residentBytes(child.pid!),
    cpuMs: async () => processCpuMs(child.pid!),
    load: async () => {
      child.send("stats");
      return (await reply<{ stats: BrokerStats }>(child, (m) => "stats" in m)).stats.load;
    },
    stop: () => stopChild(child, "stop"),
  };
}

/** Debian's mosquitto, installed with apt when root (scripts/debianPackages.mjs), else the command to run. */
async function ensureMosquitto(): Promise<void> {
  if (existsSync(MOSQUITTO)) return;
  const { ensureDebianPackages } = await import(path.join(__dirname, "../../../scripts/debianPackages.mjs") as string);
  ensureDebianPackages(["mosquitto"], `${MOSQUITTO} is missing; the broker comparison runs Debian's mosquitto beside ours`);
  if (!existsSync(MOSQUITTO)) throw new Error(`apt-get installed mosquitto but ${MOSQUITTO} still does not exist`);
}

/** Mosquitto with the same TLS settings as our listener: the local PKI's server certificate,
 * client certificates from the local CA required, TLS 1.2 or later; no persistence (neither has
 * it in these runs); its defaults otherwise, as a user would run it. */
async function startMosquitto(fleet: Fleet): Promise<RunningBroker> {
  await ensureMosquitto();
  const port = await freePort();
  const config = path.join(fleet.stateDir, "mosquitto.conf");
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      `cafile ${fleet.pki.caCertPath}`,
      `certfile ${fleet.pki.server.certPath}`,
      `keyfile ${fleet.pki.server.keyPath}`,
      "require_certificate true",
      "use_identity_as_username true",
      "tls_version tlsv1.2",
      "allow_anonymous true",
      "persistence false",
      "log_dest none",
      // Room for a thousand devices (the distribution's default is the process's file limit).
      "max_connections -1",
      // Its default drops QoS 1 messages beyond 1,000 queued for a subscriber; ours never does.
      "max_queued_messages 0",
      // Started as root, mosquitto would switch to its own user, which can't read the state dir's keys.
      `user ${os.userInfo().username}`,
      "",
    ].join("\n"),
  );
  const child = spawn(MOSQUITTO, ["-c", config], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port, child);
  // It listens before it loads the certificates: a bad one ends it just after.
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (child.exitCode !== null) throw new Error(`${MOSQUITTO} exited with code ${child.exitCode} after starting (config ${config})`);
  return { kind: "mosquitto", port, pid: child.pid!, rss: async () => residentBytes(child.pid!), rssNow: async () => residentBytes(child.pid!), cpuMs: async () => processCpuMs(child.pid!), load: async () => undefined, stop: () => stopChild(child) };
}

export interface LoadGenerator {
  connect(port: number, fleet: Fleet, devices?: number): Promise<number>;
  /** Every device (or the first `devices`) publishes at `ratePerDevice` for `seconds`. */
  run(ratePerDevice: number, seconds: number, qos?: 0 | 1, devices?: number, phase?: number): Promise<void>;
  /** The first `devices` devices publish `perDevice` QoS 1 messages each at once; resolves on the last PUBACK. */
  burst(perDevice: number, devices: number, phase?: number): Promise<void>;
  counts(): Promise<GeneratorCounts>;
  stop(): Promise<void>;
}

export async function startGenerator(): Promise<LoadGenerator> {
  const child = fork(path.join(__dirname, "loadGenerator.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await reply(child, (m) => "ready" in m, 30_000);
  const send = (command: GeneratorCommand) => child.send(command);
  return {
    async connect(port, fleet, devices = fleet.devices.length) {
      send({ connect: { host: "127.0.0.1", port, caPath: fleet.pki.caCertPath, devices: fleet.devices.slice(0, devices), app: LOAD_APP, channel: LOAD_CHANNEL } });
      return (await reply<{ connected: number }>(child, (m) => "connected" in m, 300_000)).connected;
    },
    async run(ratePerDevice, seconds, qos = 1, devices, phase) {
      send({ run: { ratePerDevice, seconds, qos, devices, phase } });
      await reply(child, (m) => "ran" in m, seconds * 1000 + 120_000);
    },
    async burst(perDevice, devices, phase) {
      send({ burst: { perDevice, devices, phase } });
      await reply(child, (m) => "burst" in m, 300_000);
    },
    async counts() {
      send({ counts: true });
      return (await reply<{ counts: GeneratorCounts }>(child, (m) => "counts" in m)).counts;
    },
    stop: () => stopChild(child, { stop: true }),
  };
}

export interface Subscriber {
  received: number;
  /** Distinct (device, sequence) pairs: duplicates of QoS 1 don't count twice. */
  distinct(): number;
  latenciesMs: number[];
  /** performance.now() of the last message not seen before. */
  lastArrivalAt: number;
  /** Starts counting afresh; with a phase, only messages the generator sent in that phase count. */
  reset(phase?: number): void;
  close(): Promise<void>;
}

/** The app's server, subscribed with QoS 1 to every device's `up` on the channel. */
export async function startSubscriber(port: number, fleet: Fleet): Promise<Subscriber> {
  const client = await mqtt.connectAsync({
    protocol: "mqtts",
    host: "127.0.0.1",
    port,
    ca: fleet.pki.caCertPem,
    cert: fleet.server.certPem,
    key: fleet.server.keyPem,
    clientId: serverClientId(LOAD_APP),
    protocolVersion: 4,
    keepalive: 60,
    reconnectPeriod: 1000,
  });
  const seen = new Map<string, Set<number>>();
  let current: number | undefined;
  const subscriber: Subscriber = {
    received: 0,
    latenciesMs: [],
    lastArrivalAt: 0,
    distinct: () => [...seen.values()].reduce((sum, set) => sum + set.size, 0),
    reset(phase?: number) {
      current = phase;
      subscriber.received = 0;
      subscriber.latenciesMs = [];
      seen.clear();
    },
    close: () => client.endAsync(true),
  };
  client.on("message", (topic, payload) => {
    const { t, n, p } = JSON.parse(payload.toString()) as { t: number; n: number; p?: number };
    if (current !== undefined && p !== current) return;
    subscriber.received++;
    subscriber.latenciesMs.push(performance.timeOrigin + performance.now() - t);
    let set = seen.get(topic);
    if (!set) seen.set(topic, (set = new Set()));
    if (!set.has(n)) subscriber.lastArrivalAt = performance.now();
    set.add(n);
  });
  await client.subscribeAsync(`sf/${LOAD_APP}/+/${LOAD_CHANNEL}/up`, { qos: 1 });
  return subscriber;
}

function reply<T>(child: ChildProcess, match: (message: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no answer from child process ${child.pid} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: Record<string, unknown>) => {
      if (match(message)) done(undefined, message as T);
    };
    const onExit = (code: number | null) => done(new Error(`child process ${child.pid} exited (code ${code}) before answering`));
    const done = (error?: Error, value?: T) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(value!);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

async function stopChild(child: ChildProcess, message?: unknown): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (message !== undefined && child.connected) child.send(message as string);
  else child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${MOSQUITTO} exited with code ${child.exitCode} before listening on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${MOSQUITTO} did not listen on 127.0.0.1:${port} within 10 s`);
}
