/** Persistent sessions on disk: what a device's session holds survives a broker restart, within
 * AWS IoT's limits, and a broken session database says what to do. Real broker, real SDK client
 * (cleanSession 0, as devices connect), real LevelDB under a temporary state dir. */
import assert from "node:assert/strict";
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { mqtt as crt } from "aws-iot-device-sdk-v2";
import { ClassicLevel } from "classic-level";
import { topics } from "../../core/contracts/topics";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { waitFor } from "../../test/support/waitFor";
import { LocalBroker } from "./index";
import { sdkConnection } from "./sdkConnection";
import { AWS_SESSION_LIMITS, QueueRate, resolveSessionLimits, trimQueue, type SessionLimits } from "./sessionLimits";
import type { SessionDrop } from "./sessionStore";

const APP = "grow";
const manifest = channelManifest(APP, [{ name: "cmd", qos: 1, direction: "server-to-device", replay: 0 }]);

describe("LocalBroker: persistent sessions survive restarts, within AWS's limits", function () {
  this.timeout(20000);
  let stateDir: string;
  let broker: LocalBroker | undefined;
  let port = 0;
  let logs: string[] = [];
  let drops: SessionDrop[] = [];
  const open: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-sessions-"));
    port = 0;
    logs = [];
    drops = [];
  });

  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close().catch(() => undefined);
    await broker?.stop();
    broker = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  async function startBroker(sessionLimits?: Partial<SessionLimits>, persistSessions = true): Promise<LocalBroker> {
    await broker?.stop();
    broker = await LocalBroker.start({ stateDir, app: APP, manifest, mqttsPort: port, sessionLimits, persistSessions, log: (l) => logs.push(l), onSessionDrop: (d) => drops.push(d) });
    port = broker.mqttsPort;
    return broker;
  }

  /** A device connecting with a persistent session; `received` is every publish it gets. */
  async function connectDevice(thing: string) {
    const identity = await broker!.provisionDevice(thing);
    const connection = sdkConnection({ host: "127.0.0.1", port, caCertPem: broker!.caCertPem, ...identity, clientId: thing, cleanSession: false });
    const received: string[] = [];
    // Every publish, before any local subscription callback exists (queued ones come at once).
    connection.on("message", (_topic, payload) => received.push(Buffer.from(payload).toString("utf8")));
    let connected = true;
    open.push(async () => {
      if (connected) await connection.disconnect();
    });
    const sessionPresent = await connection.connect();
    const leave = async () => {
      connected = false;
      await connection.disconnect();
      await waitFor(`the broker to see ${thing} leave`, () => clientOf(thing) === undefined);
    };
    return { connection, received, sessionPresent, leave };
  }

  const clientOf = (thing: string) => (broker!.aedes as unknown as { clients: Record<string, unknown> }).clients[thing];

  /** A device that subscribed to its command topic and went offline, session kept. */
  async function offlineSubscriber(thing: string): Promise<void> {
    const device = await connectDevice(thing);
    await device.connection.subscribe(topics.down(APP, thing, "cmd"), 1 as crt.QoS);
    await device.leave();
  }

  const sendDown = (thing: string, values: number[]) =>
    Promise.all(
      values.map(
        (v) => new Promise<void>((resolve, reject) => broker!.aedes.publish({ cmd: "publish", topic: topics.down(APP, thing, "cmd"), payload: Buffer.from(String(v)), qos: 1, retain: false, dup: false }, (e) => (e ? reject(e) : resolve()))),
      ),
    );

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

  async function receiveAll(thing: string, expected: string[]): Promise<string[]> {
    const device = await connectDevice(thing);
    assert.equal(device.sessionPresent, true, "the broker resumed the session");
    await waitFor(`${expected.length} messages and an empty queue`, () => device.received.length >= expected.length && broker!.sessions.queued(thing) === 0);
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a stray repeat to show up
    return device.received;
  }

  it("QoS 1 messages queued for an offline device, the broker restarted on the same state dir: all arrive, once, in order", async () => {
    await startBroker();
    await offlineSubscriber("dev-a");
    await sendDown("dev-a", range(1, 40).map(Number));
    assert.equal(broker!.sessions.queued("dev-a"), 40);
    await new Promise<void>((resolve) => broker!.aedes.publish({ cmd: "publish", topic: topics.status(APP, "dev-a"), payload: Buffer.from("kept"), qos: 1, retain: true, dup: false }, () => resolve()));
    const firstRun = broker!.sessions.brokerId;
    await startBroker();
    assert.ok(broker!.sessions.brokerId > firstRun, `broker ids sort by run: ${firstRun} then ${broker!.sessions.brokerId}`);
    assert.equal(broker!.sessions.queued("dev-a"), 40);
    assert.deepEqual(await receiveAll("dev-a", range(1, 40)), range(1, 40));
    // Retained messages are on disk too: a later subscriber still gets the status.
    const dashboard = await connectDashboard(broker!, { clientId: `sf-${APP}-dashboard-t` });
    open.push(() => dashboard.endAsync(true));
    const statuses: string[] = [];
    dashboard.on("message", (_t, payload) => statuses.push(String(payload)));
    await dashboard.subscribeAsync(topics.status(APP, "dev-a"), { qos: 1 });
    await waitFor("the retained status after the restart", () => statuses.includes("kept"));
    assert.deepEqual(drops, []);
  });

  it("bounds each session: the oldest beyond the per-client cap, the expired, and beyond the per-second rate are dropped and reported", async () => {
    await startBroker({ maxQueuedPerClient: 5 });
    await offlineSubscriber("dev-b");
    await sendDown("dev-b", range(1, 8).map(Number));
    assert.equal(broker!.sessions.queued("dev-b"), 5);
    assert.deepEqual(broker!.sessions.dropped, { expired: 0, overflow: 3, rate: 0, sessions: 0 });
    // Reported as they happen (one report may cover several of a burst): 3 in all, for dev-b.
    assert.deepEqual(new Set(drops.map((d) => `${d.clientId} ${d.reason}`)), new Set(["dev-b overflow"]));
    assert.equal(drops.reduce((sum, d) => sum + d.messages, 0), 3);
    assert.ok(logs.some((l) => /client "dev-b": dropped the \d oldest queued messages \(more than 5 queued\)/.test(l)), logs.join("\n"));

    // Older than the message expiry: gone at the next sweep (a restart gives stored ones a fresh period).
    await startBroker({ maxQueuedPerClient: 5, messageExpiryMs: 300 });
    await sendDown("dev-b", [9]);
    assert.equal(broker!.sessions.queued("dev-b"), 5, "the cap still holds after the restart: 4 was dropped for 9");
    await new Promise((resolve) => setTimeout(resolve, 400));
    await broker!.sessions.sweep();
    assert.equal(broker!.sessions.queued("dev-b"), 0);
    assert.equal(broker!.sessions.dropped.expired, 5);

    // Beyond the per-second rate, the new ones are refused and the queue keeps what it had.
    await startBroker({ queuedPerSecond: 3 });
    await sendDown("dev-b", [10, 11, 12, 13, 14]);
    assert.equal(broker!.sessions.dropped.rate, 2);
    assert.deepEqual(await receiveAll("dev-b", ["10", "11", "12"]), ["10", "11", "12"]);
  });

  it("a device's first CONNECT reads nothing of its session from LevelDB; once it has subscribed and has messages queued, its next CONNECT finds them", async () => {
    await startBroker();
    // LevelDB reads as classic-level gets them (gets and iterators of every kind).
    const proto = ClassicLevel.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const reads: string[] = [];
    const originals = Object.fromEntries(["_get", "_getMany", "_iterator", "_keys", "_values"].map((m) => [m, proto[m]]));
    for (const [method, original] of Object.entries(originals)) {
      proto[method] = function (this: unknown, ...args: unknown[]) {
        reads.push(method);
        return original.apply(this, args);
      };
    }
    try {
      await broker!.provisionDevice("dev-f");
      const device = await connectDevice("dev-f");
      assert.equal(device.sessionPresent, false);
      assert.deepEqual(reads, [], "a first connect has no subscriptions, will or queue on disk to read");
      await device.connection.subscribe(topics.down(APP, "dev-f", "cmd"), 1 as crt.QoS);
      await device.leave();
      await sendDown("dev-f", [1, 2]);
      assert.deepEqual(await receiveAll("dev-f", ["1", "2"]), ["1", "2"]);
      assert.ok(reads.length > 0, "the resumed session was read from disk");
    } finally {
      Object.assign(proto, originals);
    }
  });

  it("ends a session that stayed offline past the session expiry: subscriptions and queue go, the next connect starts afresh", async () => {
    await startBroker({ sessionExpiryMs: 300 });
    await offlineSubscriber("dev-c");
    await sendDown("dev-c", [1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await broker!.sessions.sweep();
    assert.deepEqual(drops.map((d) => [d.clientId, d.reason, d.messages]), [["dev-c", "session expired", 2]]);
    const device = await connectDevice("dev-c");
    assert.equal(device.sessionPresent, false);
    await sendDown("dev-c", [3]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(device.received, [], "no subscription survived the expiry");
  });

  for (const store of ["on disk", "in memory"] as const) {
    it(`a queued message acknowledged while aedes walks the queue is skipped, not an error that closes the new connection (sessions ${store})`, async () => {
      // aedes walks a reconnecting client's queue from a snapshot; a message the client acknowledged
      // meanwhile is gone from the store. aedes's own calls, in its order (lib/handlers/connect.js).
      await startBroker(undefined, store === "on disk");
      await offlineSubscriber("dev-f");
      await sendDown("dev-f", [1, 2]);
      type Queued = { brokerId: string; brokerCounter: number; messageId?: number; topic: string };
      const { persistence } = broker!.aedes as unknown as {
        persistence: {
          outgoingStream(c: { id: string }): AsyncIterable<Queued>;
          outgoingUpdate(c: { id: string }, p: Queued): Promise<void>;
          outgoingClearMessageId(c: { id: string }, p: { messageId: number }): Promise<unknown>;
        };
      };
      const client = { id: "dev-f" };
      const queued = async () => {
        const packets: Queued[] = [];
        for await (const p of persistence.outgoingStream(client)) packets.push(p);
        return packets;
      };
      const snapshot = await queued();
      assert.equal(snapshot.length, 2);
      // Meanwhile the first went out live and its PUBACK came back.
      await persistence.outgoingUpdate(client, { ...snapshot[0], messageId: 41 });
      await persistence.outgoingClearMessageId(client, { messageId: 41 });
      // The walk reaches it: no error (aedes would close the connection), and it isn't sent again.
      const stale = { ...snapshot[0], messageId: 42 };
      await persistence.outgoingUpdate(client, stale);
      const forward = broker!.aedes.authorizeForward as unknown as (c: unknown, p: Queued) => unknown;
      assert.equal(forward({ id: "dev-f" }, stale), null);
      assert.equal(broker!.staleDeliveries.skipped, 1);
      assert.deepEqual((await queued()).map((p) => p.brokerCounter), [snapshot[1].brokerCounter]);
      assert.deepEqual(await receiveAll("dev-f", ["2"]), ["2"]);
    });
  }

  it("a second broker on the same state dir is refused with what, where and what to do; the first keeps its sessions", async () => {
    await startBroker();
    await offlineSubscriber("dev-d");
    await sendDown("dev-d", [1, 2, 3]);
    await assert.rejects(
      LocalBroker.start({ stateDir, app: APP, manifest, persistSessions: true }),
      (e: Error) => e.message.includes(path.join(stateDir, "broker-sessions")) && /in use by another process/.test(e.message) && /stop it, or give this one another state dir/.test(e.message),
    );
    assert.equal(broker!.sessions.queued("dev-d"), 3);
    assert.deepEqual(await receiveAll("dev-d", ["1", "2", "3"]), ["1", "2", "3"]);
  });

  it("a corrupt session database is copied aside, repaired, and its queued messages still arrive", async () => {
    await startBroker();
    await offlineSubscriber("dev-e");
    await sendDown("dev-e", range(1, 10).map(Number));
    await broker!.stop();
    broker = undefined;
    const location = path.join(stateDir, "broker-sessions");
    fs.writeFileSync(path.join(location, "CURRENT"), "not a manifest name");
    await startBroker();
    const line = logs.find((l) => l.includes("is corrupt"));
    assert.ok(line, logs.join("\n"));
    const aside = /a copy is in (\S+);/.exec(line)![1];
    assert.equal(fs.readFileSync(path.join(aside, "CURRENT"), "utf8"), "not a manifest name", "the copy is the database as it was");
    assert.equal(broker!.sessions.queued("dev-e"), 10);
    assert.deepEqual(await receiveAll("dev-e", range(1, 10)), range(1, 10));
  });
});

describe("sessionLimits: the decisions", () => {
  const limits = { ...AWS_SESSION_LIMITS, maxQueuedPerClient: 3, messageExpiryMs: 1000 };

  it("trims expired messages from the head first, then the oldest beyond the cap", () => {
    const q = (...ages: number[]) => ages.map((age) => ({ queuedAt: 10_000 - age }));
    assert.deepEqual(trimQueue(q(5000, 1000, 10, 5), 10_000, limits), { expired: 2, overflow: 0 });
    assert.deepEqual(trimQueue(q(50, 40, 30, 20, 10), 10_000, limits), { expired: 0, overflow: 2 });
    assert.deepEqual(trimQueue(q(2000, 40, 30, 20, 10), 10_000, limits), { expired: 1, overflow: 1 });
    assert.deepEqual(trimQueue([], 10_000, limits), { expired: 0, overflow: 0 });
  });

  it("admits at most the per-second rate in each one-second window", () => {
    const rate = new QueueRate({ ...limits, queuedPerSecond: 2 });
    assert.deepEqual([0, 10, 20, 999, 1000, 1001, 1002].map((t) => rate.admit(t)), [true, true, false, false, true, true, false]);
  });

  it("defaults to AWS's documented values and explains a bad setting", () => {
    assert.deepEqual(resolveSessionLimits(undefined), { sessionExpiryMs: 3_600_000, messageExpiryMs: 3_600_000, queuedPerSecond: 500, maxQueuedPerClient: 10_000 });
    assert.throws(() => resolveSessionLimits({ sessionExpiryMs: -1 }), /sessionLimits\.sessionExpiryMs must be a positive number, got -1/);
    assert.throws(() => resolveSessionLimits({ maxQueuedPerClient: 2.5 }), /whole numbers, got 2\.5/);
  });
});
