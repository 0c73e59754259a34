/** The resilience soak (issue 18): the local broker (aedes, mutual TLS, IoT policies, state dir),
 * one real device (aws-iot-device-sdk-v2 transport, supervisor, Microvium app) behind a TCP proxy,
 * and a server host (mqtt.js with the local cloud's `server` identity) that sends commands down and
 * hears the device's messages through the server end's receive path (local/cloud/upstreamReceiver.ts).
 * Both directions run QoS 1 the whole time (device → cloud ~50 msg/s from the app's timer, cloud →
 * device ~10 msg/s) while outages of three kinds, drawn from a seeded schedule, hit the link:
 *   restart: the broker stops and starts again on the same port and state dir;
 *   cut:     the device's TCP link is destroyed (the device sees it at once);
 *   freeze:  the link silently stops carrying bytes; only the keepalive notices, then it flows again.
 * At the end the app is told to stop and everything in flight drains; the report says what each
 * side got (lost, duplicated, out of order), the detection and resume times per kind, the rates
 * and RSS over the run. Used by test/soak.test.ts (short), test/slow/soak.slow.ts and bench/soak.bench.ts. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import mqtt from "mqtt";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { decodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { loadWasmEngine } from "../../core/engine";
import { serverClientId } from "../../core/policy/clientIds";
import { RealClock } from "../../firmware/clock";
import { deviceTransport } from "./deviceTransport";
import { Device } from "../../firmware/device";
import { LocalBroker } from "../../local/broker";
import { UpstreamReceiver } from "../../local/cloud/upstreamReceiver";
import { ResendingPublisher } from "../../local/server/resendingPublisher";
import { LinkProxy } from "./linkProxy";
import { median, percentile } from "./measurements";
import { writeFeatures } from "./tempFeatures";
import { waitFor } from "./waitFor";

export const OUTAGE_KINDS = ["restart", "cut", "freeze"] as const;
export type OutageKind = (typeof OUTAGE_KINDS)[number];

export interface SoakOptions {
  outages: number;
  /** Seeds the outage schedule (kinds, up times, how long the broker stays down). */
  seed: number;
  /** Device keepalive in seconds (the freeze is noticed within two of these). */
  keepAliveSeconds?: number;
  /** Progress lines (every `progressEvery` outages) and anything odd. */
  onProgress?: (line: string) => void;
  progressEvery?: number;
  /** Outage kinds to draw from (default all three). */
  kinds?: readonly OutageKind[];
  /** The receiving ends' reorder timeout (default SOAK_REORDER_TIMEOUT_MS). */
  reorderTimeoutMs?: number;
}

export interface DirectionTally {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Delivered per second of the run. */
  perSecond: number;
  /** Gaps the receiving end gave up waiting for (each logged). */
  gapsGivenUp: number;
}

export interface TimeFigures {
  count: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

export interface SoakReport {
  seed: number;
  reorderTimeoutMs: number;
  outages: number;
  seconds: number;
  up: DirectionTally;
  down: DirectionTally;
  /** Per kind: injection → the device notices; link back → the device is connected again. */
  detection: Record<OutageKind, TimeFigures>;
  resume: Record<OutageKind, TimeFigures>;
  /** Outages not noticed or not healed within OUTAGE_LIMIT_MS, with the state at that moment. */
  stuck: string[];
  /** Outages the device saw beyond the injected ones (a link that fell again right after coming back). */
  extraOutages: number;
  droppedDeviceMessages: number;
  /** Queued messages the broker's session limits let go (each noted). */
  brokerDrops: number;
  droppedLogs: number;
  /** Down publishes mqtt.js let go when a link fell during its resend, published again (ResendingPublisher). */
  downResent: number;
  rssMb: { start: number; firstQuarterMedian: number; lastQuarterMedian: number; max: number; end: number };
  /** Device and cloud log lines about gaps, late messages and the like (the first 20). */
  notes: string[];
}

/** The soak's receivers wait up to 5 s of connected time without progress for a missing message
 * (theirs by default: 1 s). The wait pauses while a receiver knows its link is down and counts
 * again from the replay after a reconnect (core/contracts/reorderBuffer.ts), but a frozen link looks
 * up until the keepalive notices (up to two keepalives: 2 s here), and the soak's one process (broker,
 * device, server) on a 2-core machine shared with seven other sessions (load ≈ 20) can stall for
 * seconds while connected; the soak measures whether a message is lost, not whether this machine keeps up. */
export const SOAK_REORDER_TIMEOUT_MS = 5000;

const APP = "soak";
const THING = "soak-1";
const UP_INTERVAL_MS = 20;
const DOWN_INTERVAL_MS = 100;
/** Longest a single outage may take to be noticed or to heal before the soak calls it a failure. */
const OUTAGE_LIMIT_MS = 30_000;
/** Longest the final drain may take. */
const DRAIN_LIMIT_MS = 60_000;

const APP_SOURCE = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const cmd = api.newCommsChannel<number>("cmd", { direction: "server-to-device", qos: 1 });
  const count = api.newCommsChannel<number>("count", { direction: "device-to-server", qos: 1 });
  let n = 0;
  let running = true;
  cmd.addEventListener("messageFromServer", (v) => {
    if (v < 0) { running = false; api.log("stopped at " + n); } else { api.log("got " + v); }
  });
  api.mcu.setInterval(() => { if (running) { n = n + 1; count.pushMessageToServer(n); } }, ${UP_INTERVAL_MS});
}
`;

/** mulberry32: small, seedable, good enough to draw a schedule. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a receiver got against 1..sent: missing, repeated, and delivered after a higher one. */
export function tally(delivered: readonly number[], sent: number): { lost: number; duplicated: number; outOfOrder: number } {
  const seen = new Set<number>();
  let highest = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const v of delivered) {
    if (seen.has(v)) {
      duplicated++;
      continue;
    }
    if (v < highest) outOfOrder++;
    seen.add(v);
    highest = Math.max(highest, v);
  }
  let lost = 0;
  for (let v = 1; v <= sent; v++) if (!seen.has(v)) lost++;
  return { lost, duplicated, outOfOrder };
}

export function timeFigures(values: readonly number[]): TimeFigures {
  const at = (q: number) => Math.round(percentile(values, q));
  return { count: values.length, medianMs: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const progress = options.onProgress ?? (() => {});
  const random = seeded(options.seed);
  const keepAliveSeconds = options.keepAliveSeconds ?? 1;
  const reorderTimeoutMs = options.reorderTimeoutMs ?? SOAK_REORDER_TIMEOUT_MS;
  const kinds = options.kinds ?? OUTAGE_KINDS;
  const unknown = kinds.filter((k) => !OUTAGE_KINDS.includes(k));
  if (kinds.length === 0 || unknown.length > 0) throw new Error(`runSoak: kinds must be some of ${OUTAGE_KINDS.join(", ")}; got ${JSON.stringify(kinds)}`);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-soak-"));
  const cleanups: (() => Promise<unknown>)[] = [];
  const notes: string[] = [];
  const note = (line: string) => {
    if (notes.length < 40) notes.push(line);
    progress(line);
  };
  try {
    const [build, engine] = await Promise.all([compileFeatures({ entry: writeFeatures({ "app.ts": APP_SOURCE }, APP) }), loadWasmEngine()]);
    const manifest = build.manifest;
    // What the broker lets go (session limits) or complains about is part of the story.
    let brokerDrops = 0;
    const brokerOptions = {
      stateDir,
      app: APP,
      persistSessions: true,
      manifest,
      onSessionDrop: (drop: { clientId: string; reason: string; messages: number }) => {
        brokerDrops += drop.messages;
        note(`broker dropped ${drop.messages} queued for ${drop.clientId}: ${drop.reason}`);
      },
      log: (line: string) => {
        // A client's link closing under it is what an outage is; the notes keep room for the rest.
        if (/drop|expired|error|fail|refused/i.test(line) && !/ECONNRESET|EPIPE|socket hang up|connection closed|keep alive timeout|mqemitter is closed/.test(line)) note(line);
      },
    };
    let broker = await LocalBroker.start(brokerOptions);
    const brokerPorts = { mqttsPort: broker.mqttsPort, wsPort: broker.wsPort };
    cleanups.push(() => broker.stop());
    const proxy = await LinkProxy.start(() => brokerPorts.mqttsPort);
    cleanups.push(() => proxy.stop());

    // The server host: hears `up` through the server end's receive path, sends `down`.
    const upDelivered: number[] = [];
    // For a cloud gap or late line: what the server last heard of the device's status and of its own link.
    const serverSaw = { deviceOffline: NaN, deviceOnline: NaN, linkDown: NaN, linkUp: NaN };
    const cloudTimeline = (line: string) => {
      if (!/gap|late/.test(line)) return "";
      const ago = (t: number) => (Number.isNaN(t) ? "never" : `${Math.round(performance.now() - t)} ms ago`);
      return ` [device status offline ${ago(serverSaw.deviceOffline)}, online ${ago(serverSaw.deviceOnline)}; server link down ${ago(serverSaw.linkDown)}, up ${ago(serverSaw.linkUp)}]`;
    };
    const upstream = new UpstreamReceiver({
      app: APP,
      manifest: () => manifest,
      deliver: (m) => upDelivered.push(m.envelope.v as number),
      log: (line) => note(`${line}${cloudTimeline(line)}`),
      reorderTimeoutMs,
    });
    cleanups.push(async () => upstream.clear());
    const serverIdentity = await broker.pki.serviceIdentity("server");
    const server = await mqtt.connectAsync(`mqtts://127.0.0.1:${brokerPorts.mqttsPort}`, {
      clientId: serverClientId(APP),
      clean: false,
      protocolVersion: 4,
      ca: broker.caCertPem,
      cert: serverIdentity.certPem,
      key: serverIdentity.keyPem,
      reconnectPeriod: 250,
      connectTimeout: 5000,
      keepalive: 5,
    });
    cleanups.push(() => server.endAsync(true));
    const statusTopic = topics.status(APP, THING);
    server.on("message", (topic, payload) => {
      if (topic === statusTopic && payload.length > 0) serverSaw[decodeDeviceStatus(payload).online ? "deviceOnline" : "deviceOffline"] = performance.now();
      upstream.receive(topic, new Uint8Array(payload));
    });
    server.on("close", () => {
      serverSaw.linkDown = performance.now();
      upstream.linkChanged(false);
    });
    server.on("connect", () => {
      serverSaw.linkUp = performance.now();
      upstream.linkChanged(true);
    });
    // The device's status too: its last will and its next online status tell the server end when
    // the device's own link is down, so a gap waits for the device's retransmissions meanwhile.
    await server.subscribeAsync({ [topics.up(APP, THING, "count")]: { qos: 1 }, [statusTopic]: { qos: 1 } });
    const downTopic = topics.down(APP, THING, "cmd");
    const serverNumbering = new EnvelopeSender(`srv${options.seed}`);
    let downCount = 0;
    // The server's seq of a value is the value (one topic, one sender): when each was sent, and
    // when the broker acknowledged it (it is then the broker's to deliver).
    const downSent = { at: [] as number[], ackedAt: [] as number[] };
    // mqtt.js alone drops a publish taken while it resends after a reconnect if that link falls too.
    const downPublisher = new ResendingPublisher(server);
    const sendDown = (value: number) => {
      if (value > 0) downSent.at[value] = performance.now();
      downPublisher.publish(downTopic, serverNumbering.encode(downTopic, value, Date.now()), (error) => {
        if (error) note(`server: down #${value} not published: ${error.message}`);
        else if (value > 0) downSent.ackedAt[value] = performance.now();
      });
    };

    // The device, behind the proxy.
    const transport = await deviceTransport(broker, THING, proxy.port, { keepAliveSeconds, pingTimeoutMs: Math.min(500, (keepAliveSeconds * 1000) / 2) });
    cleanups.push(() => transport.disconnect());
    await transport.connect();
    const downDelivered: number[] = [];
    let stoppedAt: number | undefined;
    const changes: { up: boolean; at: number }[] = [];
    const restarts: { injected: number; up: number }[] = [];
    const timeline = gapTimeline(downSent, changes, restarts);
    const device = await Device.boot({
      manifest,
      snapshot: build.snapshots.device,
      thing: THING,
      clock: new RealClock(),
      transport,
      engine,
      reorderTimeoutMs,
      onConnectionChange: (up) => changes.push({ up, at: performance.now() }),
      onLog: (line) => {
        const got = /^\[app\] got (\d+)$/.exec(line);
        if (got) downDelivered.push(Number(got[1]));
        else if (line.startsWith("[app] stopped at ")) stoppedAt = Number(line.slice("[app] stopped at ".length));
        else if (/gap|late|malformed|not published|failed/.test(line)) note(`device: ${line}${timeline.explain(line)}`);
      },
    });
    cleanups.push(() => device.stop());
    // A down message is only queued for the device once the broker holds its subscription.
    const clients = () => (broker.aedes as unknown as { clients: Record<string, { subscriptions: Record<string, unknown> }> }).clients;
    await waitFor("the device's subscription", () => clients()[THING]?.subscriptions[downTopic] !== undefined);

    const downTimer = setInterval(() => sendDown(++downCount), DOWN_INTERVAL_MS);
    cleanups.push(async () => clearInterval(downTimer));
    const started = performance.now();
    const rss: number[] = [process.memoryUsage().rss];
    const detection: Record<OutageKind, number[]> = { restart: [], cut: [], freeze: [] };
    const resume: Record<OutageKind, number[]> = { restart: [], cut: [], freeze: [] };

    const stuck: string[] = [];
    const state = () =>
      `device connected ${transport.connected}, supervisor outages ${device.supervisor.outages} / reconnects ${device.supervisor.reconnects}, ` +
      `crt interrupts ${transport.outages} / resumes ${transport.reconnects}, proxy links ${proxy.openLinks} (accepted ${proxy.accepted}), ` +
      `last changes ${JSON.stringify(changes.slice(-4).map((c) => [c.up, Math.round(c.at - started)]))}`;
    /** The next link change to `up` at or after index `from`; undefined (noted) if it never comes. */
    const change = async (up: boolean, from: number, what: string) => {
      const found = () => changes.findIndex((c, i) => i >= from && c.up === up);
      try {
        await waitFor(what, () => found() >= 0, OUTAGE_LIMIT_MS, 5);
      } catch (error) {
        stuck.push(`${(error as Error).message}: ${state()}`);
        note(`STUCK: ${stuck.at(-1)}`);
        return undefined;
      }
      const index = found();
      return { index, at: changes[index].at };
    };

    for (let i = 1; i <= options.outages; i++) {
      await sleep(100 + random() * 300);
      const kind = kinds[Math.floor(random() * kinds.length)];
      const downFor = random() * 200;
      const from = changes.length;
      const injected = performance.now();
      let linkBack: number;
      if (kind === "restart") {
        await broker.stop();
        await sleep(downFor);
        broker = await LocalBroker.start({ ...brokerOptions, ...brokerPorts });
        linkBack = performance.now();
        restarts.push({ injected, up: linkBack });
      } else if (kind === "cut") {
        proxy.cut();
        linkBack = injected;
      } else {
        proxy.freeze("both");
        await change(false, from, `the device to notice frozen link #${i}`);
        proxy.resume();
        linkBack = performance.now();
      }
      const down = await change(false, from, `the device to notice outage #${i} (${kind})`);
      const up = down && (await change(true, down.index, `the device to reconnect after outage #${i} (${kind})`));
      if (!down || !up) {
        // Noted as stuck (the soak fails on it); a cut gets the link going again for the rest of the run.
        proxy.cut();
        await change(true, changes.length, `the device to reconnect after a recovery cut`);
        continue;
      }
      detection[kind].push(down.at - injected);
      resume[kind].push(up.at - Math.max(linkBack, down.at));
      rss.push(process.memoryUsage().rss);
      if (i % (options.progressEvery ?? 50) === 0 || i === options.outages) {
        const s = device.supervisor;
        progress(
          `outage ${i}/${options.outages} (${kind}): up ${upDelivered.length} delivered, down ${downDelivered.length}/${downCount}, ` +
            `device outages ${s.outages}, held ${s.heldMessages}, repeats ${s.duplicatesDropped}, broker queue ${broker.sessions.queued(THING)}, ` +
            `rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB, ${Math.round((performance.now() - started) / 1000)} s`,
        );
      }
    }

    // Drain: the server stops sending and tells the app to stop; everything in flight arrives.
    clearInterval(downTimer);
    const seconds = (performance.now() - started) / 1000;
    const upDuringRun = upDelivered.length;
    const downDuringRun = downDelivered.length;
    sendDown(-1);
    const drained = async (what: string, condition: () => boolean) => {
      await waitFor(what, condition, DRAIN_LIMIT_MS).catch((error: Error) => note(`drain: ${error.message}`));
    };
    await drained("the app's stop", () => stoppedAt !== undefined);
    await drained("every up message", () => stoppedAt !== undefined && upDelivered.length >= stoppedAt && upstream.held === 0);
    await drained("every down message", () => downDelivered.length >= downCount && device.supervisor.heldMessages === 0);
    // Late repeats, if any, would come now.
    await sleep(500);
    rss.push(process.memoryUsage().rss);

    const upSent = stoppedAt ?? Math.max(0, ...upDelivered);
    const quarter = Math.max(1, Math.floor(rss.length / 4));
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    const figures = (values: Record<OutageKind, number[]>) =>
      Object.fromEntries(OUTAGE_KINDS.map((k) => [k, timeFigures(values[k])])) as Record<OutageKind, TimeFigures>;
    return {
      seed: options.seed,
      reorderTimeoutMs,
      outages: options.outages,
      seconds: Math.round(seconds),
      up: { sent: upSent, delivered: upDelivered.length, ...tally(upDelivered, upSent), perSecond: Math.round((upDuringRun / seconds) * 10) / 10, gapsGivenUp: upstream.gaps },
      down: {
        sent: downCount,
        delivered: downDelivered.length,
        ...tally(downDelivered, downCount),
        perSecond: Math.round((downDuringRun / seconds) * 10) / 10,
        gapsGivenUp: device.supervisor.gapsSkipped,
      },
      detection: figures(detection),
      resume: figures(resume),
      extraOutages: device.supervisor.outages - options.outages - stuck.length,
      stuck,
      droppedDeviceMessages: device.supervisor.droppedMessages,
      brokerDrops,
      droppedLogs: device.supervisor.droppedLogs,
      downResent: downPublisher.resent,
      rssMb: {
        start: mb(rss[0]),
        firstQuarterMedian: mb(median(rss.slice(0, quarter))),
        lastQuarterMedian: mb(median(rss.slice(-quarter))),
        max: mb(Math.max(...rss)),
        end: mb(rss[rss.length - 1]),
      },
      notes,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** For a device's gap or late line: when the missing message was sent and acknowledged, the last broker restart and
 * the device's last link changes before now, relative to now, so a gap's cause can be read off. */
function gapTimeline(sent: { at: readonly number[]; ackedAt: readonly number[] }, changes: readonly { up: boolean; at: number }[], restarts: readonly { injected: number; up: number }[]) {
  const givenUpAt = new Map<number, number>();
  return {
    explain(line: string): string {
      const now = performance.now();
      const ago = (t: number | undefined) => (t === undefined ? "never" : `${Math.round(now - t)} ms ago`);
      const gap = /skipped \S+:(\d+)/.exec(line);
      const late = /late on \S+: \S+:(\d+)/.exec(line);
      const seq = Number((gap ?? late)?.[1]);
      if (!seq) return "";
      if (gap) givenUpAt.set(seq, now);
      const restart = restarts.at(-1);
      const lastUp = [...changes].reverse().find((c) => c.up);
      const lastDown = [...changes].reverse().find((c) => !c.up);
      const parts = [
        `#${seq} sent ${ago(sent.at[seq])}, acknowledged by the broker ${ago(sent.ackedAt[seq])}`,
        `broker restart ${ago(restart?.injected)} (up again ${ago(restart?.up)})`,
        `device link down ${ago(lastDown?.at)}, up ${ago(lastUp?.at)}`,
        ...(late ? [`its gap given up ${ago([...givenUpAt].filter(([s]) => s >= seq).sort((a, b) => a[0] - b[0])[0]?.[1])}`] : []),
      ];
      return ` [${parts.join("; ")}]`;
    },
  };
}

/** What the soak promises for QoS 1, both ways: every message delivered once, in order, no gap
 * given up; and every injected outage noticed and healed (runSoak throws otherwise). */
export function assertSoakHeld(report: SoakReport): void {
  const text = formatSoakReport(report);
  for (const [name, d] of [["device → cloud", report.up], ["cloud → device", report.down]] as const) {
    assert.ok(d.sent > 0, `${name}: nothing was sent\n${text}`);
    assert.deepEqual(
      { lost: d.lost, duplicated: d.duplicated, outOfOrder: d.outOfOrder, gapsGivenUp: d.gapsGivenUp, delivered: d.delivered },
      { lost: 0, duplicated: 0, outOfOrder: 0, gapsGivenUp: 0, delivered: d.sent },
      `${name}\n${text}`,
    );
  }
  assert.deepEqual(report.stuck, [], text);
  assert.equal(OUTAGE_KINDS.reduce((n, k) => n + report.detection[k].count, 0), report.outages, text);
  assert.equal(report.droppedDeviceMessages, 0, text);
}

/** The report as the table the README shows. */
export function formatSoakReport(r: SoakReport): string {
  const row = (name: string, d: DirectionTally) => `| ${name} | ${d.sent} | ${d.delivered} | ${d.lost} | ${d.duplicated} | ${d.outOfOrder} | ${d.perSecond} | ${d.gapsGivenUp} |`;
  const times = (kind: OutageKind) => {
    const d = r.detection[kind];
    const u = r.resume[kind];
    return `| ${kind} | ${d.count} | ${d.medianMs} / ${d.p99Ms} / ${d.maxMs} | ${u.medianMs} / ${u.p99Ms} / ${u.maxMs} |`;
  };
  return [
    `soak: ${r.outages} outages, seed ${r.seed}, ${r.seconds} s, reorder timeout ${r.reorderTimeoutMs} ms without progress, load average ${os.loadavg()[0].toFixed(1)}`,
    "| direction (QoS 1) | sent | delivered | lost | duplicated | out of order | msg/s | gaps given up |",
    "|---|---|---|---|---|---|---|---|",
    row("device → cloud", r.up),
    row("cloud → device", r.down),
    "",
    "| outage | count | detection ms (median / p99 / max) | resume ms (median / p99 / max) |",
    "|---|---|---|---|",
    ...OUTAGE_KINDS.map(times),
    "",
    ...(r.stuck.length ? [`STUCK outages: ${r.stuck.length}`, ...r.stuck.map((s) => `  ${s}`)] : []),
    `extra outages (link fell again right after coming back): ${r.extraOutages}; device messages dropped by a full outbox: ${r.droppedDeviceMessages}; queued messages the broker let go: ${r.brokerDrops}; log lines dropped: ${r.droppedLogs}; down publishes mqtt.js let go, sent again: ${r.downResent}`,
    `RSS MB: start ${r.rssMb.start}, first-quarter median ${r.rssMb.firstQuarterMedian}, last-quarter median ${r.rssMb.lastQuarterMedian}, max ${r.rssMb.max}, end ${r.rssMb.end}`,
    ...(r.notes.length ? ["notes:", ...r.notes.map((n) => `  ${n}`)] : []),
  ].join("\n");
}
