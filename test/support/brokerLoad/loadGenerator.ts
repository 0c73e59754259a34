/** Simulated devices in a process of their own: many mqtt.js clients over mutual TLS, each
 * publishing on its own `up` topic at a steady rate. Controlled over IPC by brokerLoad.ts:
 * `connect` (all devices), `run` (rate per device, seconds, QoS), `counts`, `stop`. Payloads carry
 * the send time (epoch ms, sub-millisecond) so a subscriber in another process can take latency. */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import mqtt from "mqtt";

export interface GeneratorDevice {
  thingName: string;
  certPath: string;
  keyPath: string;
}

export type GeneratorCommand =
  | { connect: { host: string; port: number; caPath: string; devices: GeneratorDevice[]; app: string; channel: string } }
  | { run: { ratePerDevice: number; seconds: number; qos: 0 | 1; devices?: number; phase?: number } }
  | { burst: { perDevice: number; devices: number; phase?: number } }
  | { counts: true }
  | { stop: true };

export interface GeneratorCounts {
  connected: number;
  sent: number;
  acked: number;
  closes: number;
  errors: number;
  lastError?: string;
}

const allClients: Array<{ client: mqtt.MqttClient; topic: string; seq: number }> = [];
const counts: GeneratorCounts = { connected: 0, sent: 0, acked: 0, closes: 0, errors: 0 };
const now = () => performance.timeOrigin + performance.now();
/** Sent in every payload, so a subscriber can tell a late message of an earlier step from this one's. */
let phase = 0;

async function connect(command: Extract<GeneratorCommand, { connect: unknown }>["connect"]): Promise<void> {
  const ca = readFileSync(command.caPath);
  const one = (device: GeneratorDevice) =>
    new Promise<void>((resolve) => {
      const client = mqtt.connect({
        protocol: "mqtts",
        host: command.host,
        port: command.port,
        ca,
        cert: readFileSync(device.certPath),
        key: readFileSync(device.keyPath),
        clientId: device.thingName,
        protocolVersion: 4,
        keepalive: 30,
        reconnectPeriod: 1000,
        connectTimeout: 30_000,
      });
      client.once("connect", () => {
        counts.connected++;
        resolve();
      });
      client.on("close", () => counts.closes++);
      client.on("error", (error) => {
        counts.errors++;
        counts.lastError = error.message;
      });
      allClients.push({ client, topic: `sf/${command.app}/${device.thingName}/${command.channel}/up`, seq: 0 });
    });
  // A few handshakes at a time: a storm of them measures TLS, not the broker.
  const queue = [...command.devices];
  await Promise.all(Array.from({ length: 20 }, async () => {
    for (let device = queue.shift(); device; device = queue.shift()) await one(device);
  }));
}

/** One timer for all devices: each tick sends what is due, so the rate holds without a timer each. */
async function run({ ratePerDevice, seconds, qos, devices }: Extract<GeneratorCommand, { run: unknown }>["run"]): Promise<void> {
  const clients = allClients.slice(0, devices ?? allClients.length);
  const start = performance.now();
  const total = clients.length * ratePerDevice * seconds;
  const perMs = (clients.length * ratePerDevice) / 1000;
  let due = 0;
  let next = 0;
  while (due < total) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    due = Math.min(total, Math.floor((performance.now() - start) * perMs));
    for (; next < due; next++) {
      const entry = clients[next % clients.length];
      const payload = JSON.stringify({ t: now(), n: entry.seq++, p: phase });
      counts.sent++;
      entry.client.publish(entry.topic, payload, { qos }, (error) => {
        if (!error) counts.acked++;
      });
    }
  }
}

/** Each of the first `devices` devices publishes `perDevice` QoS 1 messages at once: what the
 * broker does with more than it can take. Answers when every PUBACK is in. */
async function burst({ perDevice, devices }: Extract<GeneratorCommand, { burst: unknown }>["burst"]): Promise<void> {
  await Promise.all(
    allClients.slice(0, devices).flatMap((entry) =>
      Array.from({ length: perDevice }, () => {
        counts.sent++;
        return entry.client.publishAsync(entry.topic, JSON.stringify({ t: now(), n: entry.seq++, p: phase }), { qos: 1 }).then(() => counts.acked++);
      }),
    ),
  );
}

process.on("message", (command: GeneratorCommand) => {
  if ("run" in command || "burst" in command) phase = ("run" in command ? command.run.phase : command.burst.phase) ?? 0;
  if ("connect" in command) void connect(command.connect).then(() => process.send!({ connected: counts.connected }));
  else if ("run" in command) void run(command.run).then(() => process.send!({ ran: true }));
  else if ("burst" in command) void burst(command.burst).then(() => process.send!({ burst: true }));
  else if ("counts" in command) process.send!({ counts });
  else if ("stop" in command) {
    for (const { client } of allClients) client.end(true);
    setTimeout(() => process.exit(0), 100);
  }
});
process.send!({ ready: true });
