/** The resilient link end to end: real broker (aedes, mutual TLS, IoT policies), real
 * aws-iot-device-sdk-v2 client, real sockets. Outages are made with a TCP proxy between device
 * and broker (cut = sockets destroyed abruptly, freeze = a half-open link that only keepalive
 * can detect) or by stopping and restarting the broker on the same port and state dir. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { DedupWindow } from "../../core/contracts/dedupWindow";
import { decodeDeviceStatus, encodeDeviceStatus, LAST_WILL_BOOT_ID, type DeviceStatus } from "../../core/contracts/deviceStatus";
import { decodeEnvelope, encodeEnvelope } from "../../core/contracts/envelope";
import { loadWasmEngine } from "../../core/engine";
import type { MicroviumEngine } from "../../core/engine/types";
import { topics } from "../../core/contracts/topics";
import { LocalBroker } from "../../local/broker";
import { connectDashboard } from "../../test/support/dashboardClient";
import { deviceTransport } from "../../test/support/deviceTransport";
import { LinkProxy } from "../../test/support/linkProxy";
import { writeApp } from "../../test/support/tempFeatures";
import { ManualClock } from "../clock";
import { Device } from "../device";
import { MqttTransport, type MqttTransportOptions } from "./mqttTransport";
import { formatOutages } from "./outageCause";
import { waitFor as waitForWhat } from "../../test/support/waitFor";

const APP = "test-app";
const THING = "dev-1";

/** Condition first, as this file reads best. */
const waitFor = (condition: () => boolean, what: string, timeoutMs = 8000) => waitForWhat(what, condition, timeoutMs, 10);

describe("MqttTransport: device ↔ local broker over mutual TLS", function () {
  this.timeout(20000);
  let stateDir: string;
  let broker: LocalBroker | undefined;
  let brokerPort = 0;
  let build: CompileResult;
  let engine: MicroviumEngine;
  /** The broker's log lines of the current test (client errors say why it closed a connection). */
  let brokerLog: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];

  before(async () => {
    // echo: a down message on `cmd` comes back up on `echo`; `count` sends 1..limit every 100 ms
    // once the `go` message arrives (the test drives time with a ManualClock).
    const entry = writeApp(
      `  const cmd = api.newCommsChannel<number>("cmd", { direction: "server-to-device" });
  const echo = api.newCommsChannel<number>("echo", { direction: "device-to-server" });
  const count = api.newCommsChannel<number>("count", { direction: "device-to-server" });
  let limit = 0;
  let n = 0;
  cmd.addEventListener("messageFromServer", (v) => { if (v < 0) { limit = -v; api.log("limit " + limit); } else { echo.pushMessageToServer(v); } });
  api.mcu.setInterval(() => { if (n < limit) { n = n + 1; count.pushMessageToServer(n); if (n === limit) api.log("sent " + n); } }, 100);`,
    );
    [build, engine] = await Promise.all([compileFeatures({ entry }), loadWasmEngine()]);
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-comms-"));
  });

  beforeEach(async () => {
    brokerLog = [];
    broker = await LocalBroker.start({ stateDir, app: APP, manifest: build.manifest, mqttsPort: brokerPort, log: (line) => brokerLog.push(`${new Date().toISOString().slice(11, 23)} ${line}`) });
    brokerPort = broker.mqttsPort;
  });

  afterEach(async () => {
    // aws-crt connections hold native handles: disconnect every one or mocha never exits.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await broker?.stop();
    broker = undefined;
  });

  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  async function restartBroker(persistSessions?: boolean): Promise<LocalBroker> {
    await broker?.stop();
    broker = await LocalBroker.start({ stateDir, app: APP, manifest: build.manifest, mqttsPort: brokerPort, persistSessions, log: (line) => brokerLog.push(`${new Date().toISOString().slice(11, 23)} ${line}`) });
    return broker;
  }

  async function transportFor(port: number, extra: Partial<MqttTransportOptions> = {}): Promise<MqttTransport> {
    const transport = await deviceTransport(broker!, THING, port, extra);
    cleanups.push(() => transport.disconnect());
    return transport;
  }

  async function bootDevice(transport: MqttTransport, options: { outboxCapacity?: number; bootId?: string } = {}) {
    const clock = new ManualClock();
    const logs: string[] = [];
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: THING, clock, transport, engine, onLog: (line) => logs.push(line), ...options });
    cleanups.push(() => device.stop());
    return { device, clock, logs };
  }

  /** What the cloud side sees on an up topic, through a dedup window shared across broker restarts. */
  function receiver(channel: string) {
    const dedup = new DedupWindow();
    const values: number[] = [];
    const attach = (b: LocalBroker) =>
      b.aedes.subscribe(
        topics.up(APP, THING, channel),
        (packet, done) => {
          const envelope = decodeEnvelope(packet.payload as Buffer);
          if (dedup.accept(envelope.id)) values.push(envelope.v as number);
          done();
        },
        () => {},
      );
    attach(broker!);
    return { values, dedup, attach };
  }

  async function dashboardStatuses(): Promise<DeviceStatus[]> {
    const seen: DeviceStatus[] = [];
    const client = await connectDashboard(broker!, { clientId: `sf-${APP}-dashboard-t` });
    cleanups.push(() => client.endAsync(true));
    client.on("message", (_topic, payload) => seen.push(decodeDeviceStatus(payload)));
    await client.subscribeAsync(topics.status(APP, THING), { qos: 1 });
    return seen;
  }

  /** A down message is only queued for the device once the broker holds its subscription. */
  const deviceSubscribed = () => {
    const clients = (broker!.aedes as unknown as { clients: Record<string, { subscriptions: Record<string, unknown> }> }).clients;
    return waitFor(() => clients[THING]?.subscriptions[topics.down(APP, THING, "cmd")] !== undefined, "the device's subscription");
  };

  const sendDown = (value: number, seq: number) =>
    broker!.aedes.publish({ cmd: "publish", topic: topics.down(APP, THING, "cmd"), payload: Buffer.from(encodeEnvelope("srv", seq, value, Date.now())), qos: 1, retain: false, dup: false }, () => {});

  it("the device's messages reach an in-process subscriber and a down message reaches the app, once", async () => {
    const transport = await transportFor(brokerPort, { lastWill: { app: APP } });
    await transport.connect();
    const echo = receiver("echo");
    const { device } = await bootDevice(transport, { bootId: "b00t" });
    await deviceSubscribed();
    sendDown(7, 1);
    sendDown(7, 1); // the same envelope again (a retransmission): the app must not see it twice
    sendDown(8, 2);
    await waitFor(() => echo.values.length === 2, "two echoes");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(echo.values, [7, 8]);
    assert.equal(echo.dedup.duplicates, 0, "the device itself dropped the repeat");
    assert.equal(device.supervisor.duplicatesDropped, 1);
    assert.deepEqual(device.supervisor.appErrors, []);
  });

  it("an app stopped and another started on the same connection: only the new one gets down messages", async () => {
    const transport = await transportFor(brokerPort);
    await transport.connect();
    const echo = receiver("echo");
    const first = await bootDevice(transport);
    await deviceSubscribed();
    await first.device.stop();
    const clients = (broker!.aedes as unknown as { clients: Record<string, { subscriptions: Record<string, unknown> }> }).clients;
    await waitFor(() => clients[THING]?.subscriptions[topics.down(APP, THING, "cmd")] === undefined, "the stopped app's UNSUBSCRIBE");
    const second = await bootDevice(transport);
    await deviceSubscribed();
    sendDown(5, 1);
    await waitFor(() => echo.values.length === 1, "one echo");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(echo.values, [5]);
    assert.equal(echo.dedup.duplicates, 0, "the stopped app sent nothing");
    assert.notEqual(first.device.supervisor.bootId, second.device.supervisor.bootId);
  });

  it("tells handlers the RETAIN flag (1: the stored message a new subscription gets, 0: live); the supervisor answers a live will after its online, not the stored status", async () => {
    const status = topics.status(APP, THING);
    const statusFrom = (bootId: string, online: boolean) => Buffer.from(encodeDeviceStatus({ online, version: online ? build.manifest.version : "", bootId, t: 1 }));
    const publishAsBroker = (payload: Buffer) =>
      new Promise<void>((resolve) => broker!.aedes.publish({ cmd: "publish", topic: status, payload, qos: 1, retain: true, dup: false }, () => resolve()));
    // An old boot's offline is what the broker stores when this boot subscribes.
    await publishAsBroker(statusFrom("old", false));
    const transport = await transportFor(brokerPort);
    await transport.connect();
    const heard: Array<{ bootId: string; retained: boolean; sentHere: boolean }> = [];
    const removeProbe = transport.subscribe(status, 1, (_topic, payload, { retained, sentHere }) => heard.push({ bootId: decodeDeviceStatus(payload).bootId, retained, sentHere }));
    await waitFor(() => heard.length === 1, "the stored status, on subscribing");
    assert.deepEqual(heard, [{ bootId: "old", retained: true, sentHere: false }]);
    await publishAsBroker(statusFrom("old", false));
    await waitFor(() => heard.length === 2, "a live status");
    assert.deepEqual(heard[1], { bootId: "old", retained: false, sentHere: false });
    // One this link publishes itself comes back marked as its own.
    await transport.publish(status, String(statusFrom("older", false)), 1, true);
    await waitFor(() => heard.length === 3, "the link's own status");
    assert.deepEqual(heard[2], { bootId: "older", retained: false, sentHere: true });
    removeProbe();
    await waitFor(() => (broker!.aedes as unknown as { clients: Record<string, { subscriptions: Record<string, unknown> }> }).clients[THING]?.subscriptions[status] === undefined, "the probe's UNSUBSCRIBE");

    // The device subscribes (the old offline comes with RETAIN 1), then says online: not answered.
    const sent: string[] = [];
    broker!.aedes.on("publish", (packet, client) => {
      if (client?.id === THING && packet.topic === status) sent.push(String(packet.payload));
    });
    const { device, logs } = await bootDevice(transport, { bootId: "b00t" });
    const statuses = await dashboardStatuses();
    await waitFor(() => statuses.some((s) => s.online && s.bootId === "b00t"), "the device's online");
    // A will that the broker stores after this boot's online comes live, and is answered.
    await publishAsBroker(Buffer.from(encodeDeviceStatus({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 2 })));
    await waitFor(() => sent.length === 2, "online again, after the will");
    await waitFor(() => statuses.at(-1)?.online === true && statuses.at(-1)?.bootId === "b00t", "the dashboard's last status: online");
    assert.equal(logs.filter((l) => l.includes("saying online again")).length, 1, logs.join("\n"));
    assert.ok(sent.every((p) => decodeDeviceStatus(p).online && decodeDeviceStatus(p).bootId === "b00t"), sent.join("\n"));
    assert.equal(device.supervisor.bootId, "b00t");
  });

  it("publishes a retained online status; the last will says offline when the socket dies; the link comes back", async () => {
    const proxy = await LinkProxy.start(() => brokerPort);
    cleanups.push(() => proxy.stop());
    const transport = await transportFor(proxy.port, { lastWill: { app: APP } });
    await transport.connect();
    const changes: boolean[] = [];
    const { device } = await bootDevice(transport, { bootId: "b00t" });
    transport.onConnectionChange((up) => changes.push(up));
    const statuses = await dashboardStatuses();
    await waitFor(() => statuses.length === 1, "the retained online status");
    assert.deepEqual({ ...statuses[0], t: 0 }, { online: true, version: build.manifest.version, bootId: "b00t", t: 0 });

    proxy.cut();
    await waitFor(() => statuses.some((s) => !s.online), "the last will");
    assert.deepEqual({ ...statuses.find((s) => !s.online)!, t: 0 }, { online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 0 });
    await waitFor(() => device.supervisor.reconnects === 1, "the reconnect");
    await waitFor(() => statuses.at(-1)?.online === true, "online again");
    assert.deepEqual(changes, [false, true]);
    assert.equal(transport.outages, 1);
    assert.equal(transport.reconnects, 1);
  });

  it("detects a silent (half-open) outage by keepalive, reconnects, and retransmits what was not acknowledged; dedup keeps it exactly once", async () => {
    const proxy = await LinkProxy.start(() => brokerPort);
    cleanups.push(() => proxy.stop());
    const transport = await transportFor(proxy.port);
    await transport.connect();
    const { device, clock } = await bootDevice(transport);
    const count = receiver("count");
    await deviceSubscribed();
    sendDown(-6, 1);
    // The go message arrives when it arrives: let time run until the first count is through.
    await waitFor(() => (clock.advance(100), count.values.length > 0), "the first count");
    proxy.freeze("toClient");
    clock.advance(300); // the next ones reach the broker, their PUBACKs don't reach the device
    await waitFor(() => device.supervisor.outages === 1, "outage detection by keepalive");
    proxy.resume(); // the route is back: the crt's reconnect goes through
    clock.advance(1000); // what the app sends now waits in the outbox
    await waitFor(
      () => device.supervisor.reconnects === 1 && device.supervisor.unacknowledgedMessages === 0 && device.supervisor.queuedMessages === 0 && count.values.length === 6,
      "the reconnect, every PUBACK and all six counts",
    );
    assert.deepEqual(count.values, [1, 2, 3, 4, 5, 6]);
    // Those were retransmitted after the reconnect, and the receiver dropped the copies.
    assert.ok(count.dedup.duplicates >= 1, `duplicates dropped: ${count.dedup.duplicates}`);
    assert.equal(device.supervisor.reconnects, 1);
    assert.equal(device.supervisor.droppedMessages, 0);
  });

  for (const store of ["in memory", "on disk"] as const) {
    it(`a frozen link that only the keepalive notices comes back once: no second drop right after the reconnect (broker sessions ${store})`, async () => {
      // The broker keeps the frozen connection until its own keepalive runs out, queues what comes
      // meanwhile, and walks that queue when the device is back while it acknowledges and new
      // messages arrive. aedes used to close the new connection when the walk met a message the
      // device had just acknowledged ("no such packet"): the link fell again at once.
      // Both of aedes's stores answered that way (local/broker/staleDeliveries.ts); record why each
      // outage happened, so an extra one says whether the broker closed the link or a ping was late.
      if (store === "on disk") await restartBroker(true);
      const thing = "dev-freeze";
      const proxy = await LinkProxy.start(() => brokerPort);
      cleanups.push(() => proxy.stop());
      const transport = await deviceTransport(broker!, thing, proxy.port);
      cleanups.push(() => transport.disconnect());
      await transport.connect(); // a CONNACK late on a loaded machine is retried by connect() itself
      const got = new Set<number>();
      const topic = topics.down(APP, thing, "cmd");
      transport.subscribe(topic, 1, (_t, payload) => got.add(Number(payload)));
      const clients = (broker!.aedes as unknown as { clients: Record<string, { subscriptions: Record<string, unknown> }> }).clients;
      await waitFor(() => clients[thing]?.subscriptions[topic] !== undefined, "the subscription");
      let sent = 0;
      const sending = setInterval(() => broker!.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(String(++sent)), qos: 1, retain: false, dup: false }, () => {}), 20);
      cleanups.push(async () => clearInterval(sending));
      const freezes = 3;
      for (let i = 1; i <= freezes; i++) {
        proxy.freeze();
        await waitFor(() => transport.outages === i, `outage ${i} noticed by keepalive`);
        // Frozen a while longer: the broker's keepalive (1.5 × 1 s) ends the old connection, messages queue.
        await new Promise((resolve) => setTimeout(resolve, 1200));
        proxy.resume();
        await waitFor(() => transport.connected, `reconnect ${i}`);
        const upTo = sent;
        await waitFor(() => Array.from({ length: upTo }, (_, k) => k + 1).every((v) => got.has(v)) && broker!.sessions.queued(thing) < 5, `everything sent before reconnect ${i}`);
      }
      clearInterval(sending);
      const why = `${formatOutages(transport.outageHistory)}; broker: ${brokerLog.filter((l) => l.includes(thing)).join("; ") || "nothing logged"}`;
      assert.equal(transport.outages, freezes, `outages: ${transport.outages} for ${freezes} freezes (the extra ones fell right after a reconnect): ${why}`);
      assert.deepEqual(transport.outageHistory.map((o) => o.cause), Array(freezes).fill("keepalive timeout"), why);
    });
  }

  it("outage detected within two keepalives: a half-open link is reported lost at most 2 keepalive periods after it froze (default ping timeout)", async () => {
    // Measured by the reported detection timestamp against the moment the link froze: with
    // nothing else sent, the next PINGREQ goes out within one keepalive and its PINGRESP is
    // given up after the ping timeout (default: half the keepalive), so 1.5 periods at worst.
    const proxy = await LinkProxy.start(() => brokerPort);
    cleanups.push(() => proxy.stop());
    const keepAliveSeconds = 2;
    const transport = await transportFor(proxy.port, { keepAliveSeconds, pingTimeoutMs: undefined });
    const lostAt: number[] = [];
    transport.onConnectionChange((up) => {
      if (!up) lostAt.push(Date.now());
    });
    await transport.connect();
    const frozenAt = Date.now();
    proxy.freeze("toClient");
    await waitFor(() => lostAt.length > 0, "outage detection by keepalive", 10_000);
    const detectedAfterMs = lostAt[0] - frozenAt;
    assert.ok(detectedAfterMs <= 2 * keepAliveSeconds * 1000, `the outage was reported ${detectedAfterMs} ms after the link froze; the promise is within ${2 * keepAliveSeconds * 1000} ms`);
    assert.equal(transport.outages, 1);
  });

  it("exactly once, in order, while the broker stops and restarts twice mid-stream", async () => {
    // One count per 30 ms: the first restart (after 10) leaves a backlog that is still being sent,
    // unacknowledged, when the second one (after 25) hits; the stream ends while the broker is away.
    const N = 60;
    const transport = await transportFor(brokerPort);
    await transport.connect();
    const { device, clock } = await bootDevice(transport);
    const count = receiver("count");
    await deviceSubscribed();
    sendDown(-N, 1);
    // Time runs on while the broker is away: the app keeps producing.
    const ticking = setInterval(() => clock.advance(100), 30);
    cleanups.push(async () => clearInterval(ticking));
    for (const after of [10, 25]) {
      await waitFor(() => count.values.length >= after, `${after} counts`);
      await restartBroker();
      count.attach(broker!);
    }
    await waitFor(() => count.values.length === N, `all ${N} counts`, 15000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(count.values, Array.from({ length: N }, (_, i) => i + 1));
    assert.equal(device.supervisor.reconnects, 2, `outages ${device.supervisor.outages}, transport outages ${transport.outages}, reconnects ${transport.reconnects}`);
    assert.equal(device.supervisor.droppedMessages, 0);
  });

  it("a full offline queue drops the oldest messages and counts them; log lines wait for the link too", async () => {
    const transport = await transportFor(brokerPort);
    await transport.connect();
    const { device, clock, logs: local } = await bootDevice(transport, { outboxCapacity: 5 });
    const count = receiver("count");
    await deviceSubscribed();
    sendDown(-10, 1);
    await waitFor(() => local.includes("[app] limit 10"), "the app to get its go message");
    await broker!.stop();
    await waitFor(() => !transport.connected, "the outage");
    clock.advance(1000); // 1..10 while offline; the outbox keeps 6..10; the app logs "sent 10"
    assert.equal(device.supervisor.droppedMessages, 5);
    assert.equal(device.supervisor.queuedMessages, 5);
    await restartBroker();
    count.attach(broker!);
    const logs: string[] = [];
    broker!.aedes.subscribe(topics.log(APP, THING), (packet, done) => (logs.push(JSON.parse(String(packet.payload)).msg), done()), () => {});
    await waitFor(() => count.values.length === 5 && logs.includes("sent 10"), "the five kept messages and the buffered log line");
    assert.deepEqual(count.values, [6, 7, 8, 9, 10]);
    assert.deepEqual(logs.filter((l) => l.startsWith("sent")), ["sent 10"]);
    assert.equal(device.supervisor.droppedLogs, 0);
    // What the buffer had to drop is told to the cloud, once.
    await waitFor(() => logs.some((l) => l.startsWith("while offline")), "the drop report");
    assert.deepEqual(logs.filter((l) => l.startsWith("while offline")), ["while offline, dropped 5 messages (outbox holds 5) and 0 log lines (log buffer holds 200), oldest first"]);
  });

  it("explains bad settings and a failed first connect", async () => {
    const identity = await broker!.provisionDevice(THING);
    const base = { endpoint: "127.0.0.1", certPem: identity.certPem, keyPem: identity.keyPem, thing: THING };
    assert.throws(() => new MqttTransport({ ...base, keepAliveSeconds: 1, pingTimeoutMs: 1000 }), /pingTimeoutMs \(1000\) must be below the keepalive \(1000 ms\)/);
    assert.throws(() => new MqttTransport({ ...base, reconnectMinSeconds: 5, reconnectMaxSeconds: 2 }), /reconnect bounds .* got min 5, max 2/);
    // Jitter: the first reconnect delay is drawn from [min, 2·min], capped by max.
    const low = new MqttTransport({ ...base, reconnectMinSeconds: 2, reconnectMaxSeconds: 60, random: () => 0 });
    const high = new MqttTransport({ ...base, reconnectMinSeconds: 2, reconnectMaxSeconds: 60, random: () => 0.999 });
    const capped = new MqttTransport({ ...base, reconnectMinSeconds: 2, reconnectMaxSeconds: 3, random: () => 0.999 });
    for (const t of [low, high, capped]) cleanups.push(() => t.disconnect());
    assert.deepEqual([low, high, capped].map((t) => t.reconnectDelaySeconds), [{ min: 2, max: 60 }, { min: 4, max: 60 }, { min: 3, max: 3 }]);
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const transport = await transportFor(closedPort, { firstConnectBudgetMs: 0 });
    await assert.rejects(transport.connect(), /"dev-1" could not connect to 127\.0\.0\.1:\d+: gave up after 1 attempt over [\d.]+ s \(budget 0 s\); last: .*AWS_IO_SOCKET_CONNECTION_REFUSED.*Check the endpoint/);
  });

  describe("disconnect() after the first CONNACK, with the link down", () => {
    /** Connected through a proxy; the crt's reconnect delay is `seconds` (no jitter: min = max). */
    async function connectedBehindProxy(thing: string, seconds: number, extra: Partial<MqttTransportOptions> = {}) {
      const proxy = await LinkProxy.start(() => brokerPort);
      cleanups.push(() => proxy.stop());
      const transport = await deviceTransport(broker!, thing, proxy.port, { reconnectMinSeconds: seconds, reconnectMaxSeconds: seconds, ...extra });
      cleanups.push(() => transport.disconnect());
      await transport.connect();
      return { proxy, transport };
    }

    it("ends at once while the crt waits to reconnect: it does not wait for the attempt that was due", async () => {
      // The next attempt is due 30 s after the drop, beyond this test's 20 s: a disconnect that
      // waited for it (what the crt's own does) never ends here. (The crt frees the connection
      // then: mocha exits that much later.)
      const { proxy, transport } = await connectedBehindProxy("dev-wait", 30);
      proxy.cut();
      await waitFor(() => !transport.connected, "the link lost");
      await transport.disconnect();
      assert.equal(transport.connected, false);
      assert.equal(proxy.accepted, 1, "no attempt was made meanwhile");
    });

    it("ends at once between refused attempts, and no attempt follows", async () => {
      const { proxy, transport } = await connectedBehindProxy("dev-between", 1);
      proxy.hangUpNew(true);
      proxy.cut();
      await waitFor(() => proxy.accepted >= 3, "two refused reconnects");
      await transport.disconnect();
      const acceptedThen = proxy.accepted;
      proxy.hangUpNew(false);
      await new Promise((r) => setTimeout(r, 2500)); // past the 1 s delay twice: nothing dials again
      assert.equal(proxy.accepted, acceptedThen, "no attempt after disconnect()");
    });

    it("ends at once during a reconnect attempt the broker doesn't answer", async () => {
      // The broker holds the CONNACK; the crt waits for one as long as for a PINGRESP (measured:
      // retried after 1.5 s with a 0.5 s ping timeout, still waiting after 15 s with 60 s), here
      // beyond this test's 20 s. The crt's own disconnect ends such an attempt at once already
      // (its TLS is up): this guards that disconnect() keeps ending it.
      const { proxy, transport } = await connectedBehindProxy("dev-during", 1, { keepAliveSeconds: 120, pingTimeoutMs: 60_000 });
      type Authenticate = (client: { id: string }, username: unknown, password: unknown, done: (error: Error | null, ok: boolean) => void) => void;
      const aedes = broker!.aedes as unknown as { authenticate: Authenticate };
      const authenticate = aedes.authenticate;
      const held: Array<(error: Error | null, ok: boolean) => void> = [];
      aedes.authenticate = (client, username, password, done) => (client.id === "dev-during" ? void held.push(done) : authenticate(client, username, password, done));
      // Answered at the end, so the broker's stop doesn't wait for it.
      cleanups.push(async () => held.forEach((done) => done(new Error("the test is over"), false)));
      proxy.cut();
      await waitFor(() => held.length === 1, "the reconnect attempt at the broker");
      await transport.disconnect();
      assert.equal(transport.connected, false);
    });
  });

  describe("the first connect", () => {
    /** A transport through a proxy that hangs up on every connection until told otherwise. */
    async function behindHangUps(thing: string, extra: Partial<MqttTransportOptions> = {}) {
      const proxy = await LinkProxy.start(() => brokerPort);
      cleanups.push(() => proxy.stop());
      proxy.hangUpNew(true);
      const logs: string[] = [];
      const transport = await deviceTransport(broker!, thing, proxy.port, { onLog: (l) => logs.push(l), ...extra });
      cleanups.push(() => transport.disconnect());
      const failed = () => logs.filter((l) => /connect attempt \d+ failed/.test(l));
      return { proxy, logs, transport, failed };
    }

    it("is tried again after hang-ups, each attempt logged with its reason, and comes online once the link carries", async () => {
      const { proxy, transport, failed } = await behindHangUps("dev-late");
      const connecting = transport.connect();
      await waitFor(() => failed().length >= 2, "two failed attempts");
      proxy.hangUpNew(false);
      assert.equal(await connecting, false, "a new session");
      assert.equal(transport.connected, true);
      assert.match(failed()[0], /^\[mqtt dev-late\] connect attempt 1 failed \(.*AWS_IO_SOCKET_CLOSED.*\); trying again in 1 s$/);
      assert.match(failed()[1], /connect attempt 2 failed/);
      assert.ok(proxy.accepted >= 3, `${proxy.accepted} connections`);
      // It works: a message goes through the broker.
      const got: string[] = [];
      transport.subscribe(topics.down(APP, "dev-late", "cmd"), 1, (_t, p) => got.push(p));
      await waitFor(() => (broker!.aedes as unknown as { clients: Record<string, { subscriptions: Record<string, unknown> }> }).clients["dev-late"]?.subscriptions[topics.down(APP, "dev-late", "cmd")] !== undefined, "the subscription");
      broker!.aedes.publish({ cmd: "publish", topic: topics.down(APP, "dev-late", "cmd"), payload: Buffer.from("7"), qos: 1, retain: false, dup: false }, () => {});
      await waitFor(() => got.length === 1, "the message");
    });

    it("gives up after its budget, saying how many attempts over how long and the last reason", async () => {
      const { transport, failed } = await behindHangUps("dev-budget", { firstConnectBudgetMs: 1500 });
      await assert.rejects(transport.connect(), /"dev-budget" could not connect to 127\.0\.0\.1:\d+: gave up after [2-9] attempts over [\d.]+ s \(budget 1\.5 s\); last: .*AWS_IO_SOCKET_CLOSED/);
      assert.ok(failed().length >= 1);
    });

    it("refused for its identity (a policy that denies iot:Connect for this client id) fails at once, not retried", async () => {
      const logs: string[] = [];
      // dev-ident's certificate asking for client id dev-other: the thing policy allows only its own.
      const identity = await broker!.provisionDevice("dev-ident");
      const transport = new MqttTransport({ endpoint: "127.0.0.1", port: brokerPort, caCertPem: broker!.caCertPem, certPem: identity.certPem, keyPem: identity.keyPem, thing: "dev-other", onLog: (l) => logs.push(l) });
      cleanups.push(() => transport.disconnect());
      await assert.rejects(transport.connect(), /"dev-other" could not connect to 127\.0\.0\.1:\d+: .* \(refused, not retried\)\. Check the endpoint, that the certificate is registered and active, and that its policy allows iot:Connect for client id "dev-other"/);
      assert.deepEqual(logs.filter((l) => l.includes("connect attempt")), []);
      assert.ok(brokerLog.some((l) => /refused .*client id "dev-other"/.test(l)), "the broker refused it");
    });

    it("ends at once on disconnect(), between attempts and during one", async () => {
      const between = await behindHangUps("dev-stop-a");
      const connecting = between.transport.connect();
      await waitFor(() => between.failed().length >= 1, "a failed attempt");
      await between.transport.disconnect();
      await assert.rejects(connecting, /"dev-stop-a" stopped while connecting to 127\.0\.0\.1:\d+ \(after 1 attempt; last: .*AWS_IO_SOCKET_CLOSED/);
      const acceptedThen = between.proxy.accepted;
      between.proxy.hangUpNew(false);
      await new Promise((r) => setTimeout(r, 1500)); // past the 1 s retry delay: nothing dials again
      assert.equal(between.proxy.accepted, acceptedThen, "no attempt after disconnect()");

      // A route that never answers: the attempt would run to the crt's 10 s TLS timeout.
      const during = await behindHangUps("dev-stop-b");
      during.proxy.hangUpNew(false);
      during.proxy.freeze();
      const stuck = during.transport.connect();
      await waitFor(() => during.proxy.openLinks === 1, "the attempt's connection");
      await during.transport.disconnect();
      await assert.rejects(stuck, /"dev-stop-b" stopped while connecting .*\(after 1 attempt; last: disconnect\(\) was called\)/);
      assert.equal(during.proxy.openLinks, 1, "connect() ended before the attempt did");
    });
  });
});
