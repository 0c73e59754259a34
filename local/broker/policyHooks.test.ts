/** The broker's authorization hooks (policyHooks.ts) called directly, as aedes calls them, with
 * small fakes for aedes's client objects and packets, real certificates from the project's PKI,
 * a real thing registry and dashboard tokens, and a clock the test sets. Written against AWS IoT's
 * authorization semantics (README "Device identity and policies", ../shared/AWS-IOT-NOTES.md): iot:Connect on
 * `client/{id}`, iot:Publish (+ iot:RetainPublish when retained) and iot:Receive on
 * `topic/{topic}`, iot:Subscribe on `topicfilter/{filter}`, refusals per protocol version
 * (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-reason-codes).
 * broker.test.ts checks the same through a real TLS broker, at a second or more per test. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AuthenticateError, Client, PublishPacket, Subscription } from "aedes";
import type { Manifest } from "../../core/contracts/manifest";
import { jobTopics, topics } from "../../core/contracts/topics";
import { clientArn, topicArn, topicFilterArn, type PolicyScope } from "../../core/policy";
import { settingsShadowName } from "../../core/settings/settingDecl";
import { shadowTopics } from "../../core/shadow/shadowTopics";
import { channelManifest } from "../../test/support/channelManifest";
import { ensureLocalPki, type LocalPki } from "../certificates";
import { certificateFingerprint, ThingRegistry } from "../registry";
import { DashboardTokens } from "./dashboardTokens";
import { BAD_CREDENTIALS, ConnectionOrigins, NOT_AUTHORIZED, type ConnectionOrigin } from "./identify";
import { CONNACK_UNACCEPTABLE_PROTOCOL, MAX_PAYLOAD_BYTES, PACKET_TOO_LARGE, QOS_NOT_SUPPORTED } from "./mqttLimits";
import { policyHooks, type PolicyHooks, type PolicyHooksOptions } from "./policyHooks";
import { PolicyBook } from "./principals";
import { formatRefusal, type BrokerRefusal } from "./refusals";

const APP = "grow";
const scope: PolicyScope = { app: APP, region: "local", account: "000000000000" };
const manifest = channelManifest(APP, [
  { name: "temperature", qos: 1, direction: "both", replay: 0 },
  { name: "cmd", qos: 1, direction: "server-to-device", replay: 0 },
]);
const DASHBOARD_ID = "sf-grow-dashboard-1";
const HOUR = 60 * 60 * 1000;

const client = (id: string) => clientArn(scope.region, scope.account, id);
const topic = (name: string) => topicArn(scope.region, scope.account, name);
const filter = (name: string) => topicFilterArn(scope.region, scope.account, name);

/** The parts of aedes's client the hooks use; `disconnects` records MQTT 5 DISCONNECTs sent. */
interface FakeClient {
  id: string;
  version: number;
  conn: { written: Buffer[]; write(data: Buffer, done: () => void): void };
  _will?: PublishPacket | null;
  disconnects: Array<{ reasonCode: number; properties: { reasonString: string } }>;
  disconnect(packet: { reasonCode: number; properties: { reasonString: string } }, done: () => void): void;
}

function fakeClient(id: string, version = 4, will?: PublishPacket): FakeClient {
  return {
    id,
    version,
    conn: {
      written: [],
      write(data, done) {
        this.written.push(data);
        done();
      },
    },
    _will: will,
    disconnects: [],
    disconnect(packet, done) {
      this.disconnects.push(packet);
      done();
    },
  };
}

const asClient = (fake: FakeClient) => fake as unknown as Client;

function publishPacket(topicName: string, options: { qos?: 0 | 1 | 2; retain?: boolean; payload?: Buffer } = {}): PublishPacket {
  return { cmd: "publish", topic: topicName, payload: options.payload ?? Buffer.from("{}"), qos: options.qos ?? 1, retain: options.retain ?? false, dup: false };
}

describe("policyHooks (the broker's authorization decisions)", () => {
  let stateDir: string;
  let pki: LocalPki;
  let registry: ThingRegistry;
  let tokens: DashboardTokens;
  let origins: ConnectionOrigins;
  let refusals: BrokerRefusal[];
  let clock: number;
  let book: PolicyBook;
  let hooks: PolicyHooks;
  let thingOrigin: (thing: string) => Promise<ConnectionOrigin>;

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-policy-hooks-"));
    pki = await ensureLocalPki(stateDir);
    registry = await ThingRegistry.open(stateDir);
    for (const thing of ["a", "sf-grow-server", "sf-grow-dashboard-x"]) await registry.attach(thing, (await pki.deviceIdentity(thing)).certPem);
    thingOrigin = async (thing) => {
      const { certPem } = await pki.deviceIdentity(thing);
      return { transport: "mqtts", identity: pki.identityOf(certPem), certificateFingerprint: certificateFingerprint(certPem) };
    };
  });

  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  function makeHooks(overrides: Partial<PolicyHooksOptions> = {}): PolicyHooks {
    return policyHooks({ scope, book: () => book, origins, tokens, registry, refuse: (r) => refusals.push(r), now: () => clock, ...overrides });
  }

  beforeEach(() => {
    tokens = new DashboardTokens(APP);
    origins = new ConnectionOrigins();
    refusals = [];
    clock = Date.now();
    book = new PolicyBook(scope, manifest);
    hooks = makeHooks();
  });

  /** The real registry, counting how often the hooks make it read its file again. */
  function countingRegistry() {
    const counted = { reloads: 0, thingsAttachedTo: (fingerprint: string) => registry.thingsAttachedTo(fingerprint), reload: async () => void counted.reloads++ };
    return counted;
  }

  /** As text, so a failure shows what was refused and why. */
  const assertNoRefusals = () => assert.deepEqual(refusals.map(formatRefusal), []);

  /** aedes's authenticate call; resolves with what the hook answered. */
  function authenticate(fake: FakeClient, username?: string, password?: string, using = hooks): Promise<{ error: AuthenticateError | null; accepted: boolean | null }> {
    return new Promise((resolve) => using.authenticate(asClient(fake), username, password === undefined ? undefined : Buffer.from(password), (error, accepted) => resolve({ error, accepted })));
  }

  async function connectedThing(thing: string, clientId = thing, version = 4): Promise<FakeClient> {
    const fake = fakeClient(clientId, version);
    origins.record(fake.conn, await thingOrigin(thing));
    const { error, accepted } = await authenticate(fake);
    assert.equal(error, null, `thing "${thing}" as "${clientId}" should connect`);
    assert.equal(accepted, true);
    return fake;
  }

  async function connectedDashboard(token: string, version = 4): Promise<FakeClient> {
    const fake = fakeClient(DASHBOARD_ID, version);
    origins.record(fake.conn, { transport: "websocket" });
    const { error, accepted } = await authenticate(fake, "dashboard", token);
    assert.equal(error, null);
    assert.equal(accepted, true);
    return fake;
  }

  function publish(fake: FakeClient | null, packet: PublishPacket): Error | null {
    const answers: Array<Error | null> = [];
    hooks.authorizePublish(fake && asClient(fake), packet, (error) => answers.push(error ?? null));
    assert.equal(answers.length, 1, "authorizePublish answers once, at once");
    return answers[0];
  }

  function subscribe(fake: FakeClient, filterText: string, qos: 0 | 1 | 2 = 1): { error: Error | null; granted: Subscription | null | undefined } {
    let answer: { error: Error | null; granted: Subscription | null | undefined } | undefined;
    hooks.authorizeSubscribe(asClient(fake), { topic: filterText, qos }, (error, granted) => (answer = { error, granted }));
    assert.ok(answer, "authorizeSubscribe answers at once");
    return answer;
  }

  /** aedes forwards packets it stamped with its broker id and counter. */
  const forward = (fake: FakeClient, topicName: string) => hooks.authorizeForward(asClient(fake), { ...publishPacket(topicName), brokerId: "test", brokerCounter: 1 });

  describe("connect", () => {
    it("accepts a registered thing connecting as itself and reports nothing", async () => {
      await connectedThing("a");
      assertNoRefusals();
    });

    it("refuses a thing certificate connecting with another thing's client id: iot:Connect on client/{id}, CONNACK 5", async () => {
      const fake = fakeClient("b");
      origins.record(fake.conn, await thingOrigin("a"));
      const { error, accepted } = await authenticate(fake);
      assert.equal(accepted, false);
      assert.equal(error?.returnCode, NOT_AUTHORIZED);
      assert.match(error?.message ?? "", /not authorized to connect as client id "b"/);
      assert.equal(refusals.length, 1);
      assert.deepEqual({ ...refusals[0], reason: undefined }, {
        action: "iot:Connect",
        resource: client("b"),
        clientId: "b",
        principal: 'certificate of thing "a" (client id names none of them)',
        reason: undefined,
        outcome: "connection refused",
      });
      assert.match(refusals[0].reason, /default deny\); policies consulted: sf-grow-device-base, sf-grow-device-channels-1$/);
    });

    it("refuses a connection no listener recorded, naming it an unknown connection", async () => {
      const { error, accepted } = await authenticate(fakeClient("a"));
      assert.equal(accepted, false);
      assert.equal(error?.returnCode, NOT_AUTHORIZED);
      assert.deepEqual(refusals.map((r) => [r.action, r.principal, r.outcome]), [["authenticate", "unknown connection", "connection refused"]]);
    });

    it("refuses a dashboard with a bad token (CONNACK 4) and a certificate naming no client identity (CONNACK 5) without reading the registry again", async () => {
      const cases: Array<{ fake: FakeClient; origin: ConnectionOrigin; token?: string; returnCode: number; principal: string }> = [
        { fake: fakeClient(DASHBOARD_ID), origin: { transport: "websocket" }, token: "sfdash.1.AAAA", returnCode: BAD_CREDENTIALS, principal: "websocket client" },
        // The broker's own server certificate: of this CA, but no thing's or service's.
        { fake: fakeClient("sf-grow-server"), origin: { transport: "mqtts", identity: undefined, certificateFingerprint: certificateFingerprint(pki.server.certPem) }, returnCode: NOT_AUTHORIZED, principal: "mqtts client" },
      ];
      for (const { fake, origin, token, returnCode, principal } of cases) {
        refusals.splice(0);
        const reads = countingRegistry();
        origins.record(fake.conn, origin);
        const { error, accepted } = await authenticate(fake, token && "dashboard", token, makeHooks({ registry: reads }));
        assert.equal(accepted, false, principal);
        assert.equal(error?.returnCode, returnCode);
        assert.deepEqual(refusals.map((r) => [r.action, r.principal]), [["authenticate", principal]]);
        assert.equal(reads.reloads, 0);
      }
    });

    // The registry file is read again only for a thing certificate it doesn't know: not on every connect.
    it("reads the registry again only for a thing certificate it doesn't know", async () => {
      const reads = countingRegistry();
      const counting = makeHooks({ registry: reads });
      const known = fakeClient("a");
      origins.record(known.conn, await thingOrigin("a"));
      assert.equal((await authenticate(known, undefined, undefined, counting)).accepted, true);
      assert.equal(reads.reloads, 0);
      const unknown = fakeClient("stranger");
      origins.record(unknown.conn, await thingOrigin("stranger"));
      assert.equal((await authenticate(unknown, undefined, undefined, counting)).accepted, false);
      assert.equal(reads.reloads, 1);
    });

    // Another process sharing the state dir (a device simulator) may register a thing after the
    // broker last read the registry: the broker reads it again before refusing.
    it("accepts a thing another process registered since the broker last read the registry", async () => {
      const { certPem } = await pki.deviceIdentity("late");
      const origin = await thingOrigin("late");
      const elsewhere = await ThingRegistry.open(stateDir);
      await elsewhere.attach("late", certPem);
      assert.deepEqual(registry.thingsAttachedTo(certificateFingerprint(certPem)), [], "the broker's copy hasn't seen it yet");
      const fake = fakeClient("late");
      origins.record(fake.conn, origin);
      const { error, accepted } = await authenticate(fake);
      assert.equal(error, null);
      assert.equal(accepted, true);
    });

    it("refuses the connection, saying why, when identifying it fails (the registry can't be read)", async () => {
      const broken = makeHooks({ registry: { thingsAttachedTo: () => [], reload: () => Promise.reject(new Error("registry.json is corrupt")) } });
      const fake = fakeClient("a");
      origins.record(fake.conn, await thingOrigin("a"));
      const { error, accepted } = await authenticate(fake, undefined, undefined, broken);
      assert.equal(accepted, false);
      assert.equal(error?.returnCode, NOT_AUTHORIZED);
      assert.equal(error?.message, "registry.json is corrupt");
    });

    it("refuses a registered thing named like the app's server or dashboard client ids: it would take over their session", async () => {
      for (const thing of ["sf-grow-server", "sf-grow-dashboard-x"]) {
        refusals.splice(0);
        const fake = fakeClient(thing);
        origins.record(fake.conn, await thingOrigin(thing));
        const { error, accepted } = await authenticate(fake);
        assert.equal(accepted, false, thing);
        assert.equal(error?.returnCode, NOT_AUTHORIZED);
        assert.deepEqual(refusals.map((r) => [r.action, r.principal, r.outcome]), [["authenticate", `thing "${thing}"`, "connection refused"]]);
        assert.match(refusals[0].reason, new RegExp(`thing name "${thing}" is reserved for the app's server or dashboard client ids`));
      }
    });

    it("accepts a last will the client may publish (its retained status) and refuses one it may not", async () => {
      const status = topics.status(APP, "a");
      const good = fakeClient("a", 4, publishPacket(status, { retain: true }));
      origins.record(good.conn, await thingOrigin("a"));
      assert.equal((await authenticate(good)).accepted, true);

      const cases = [
        publishPacket(topics.up(APP, "b", "temperature")), // another thing's topic: iot:Publish
        publishPacket(topics.up(APP, "a", "temperature"), { retain: true }), // a channel: no iot:RetainPublish
      ];
      for (const will of cases) {
        refusals.splice(0);
        const bad = fakeClient("a", 4, will);
        origins.record(bad.conn, await thingOrigin("a"));
        const { error, accepted } = await authenticate(bad);
        assert.equal(accepted, false, will.topic);
        assert.equal(error?.returnCode, NOT_AUTHORIZED);
        assert.equal(error?.message, `not authorized to publish the last will on "${will.topic}"`);
        assert.equal(refusals.at(-1)?.outcome, "connection refused");
      }
    });

    it("answers a CONNECT of MQTT 3.1 with CONNACK 1 (unacceptable protocol) and accepts 3.1.1 and 5", () => {
      for (const protocolVersion of [4, 5] as const) {
        let answer: [Error | null, boolean] | undefined;
        hooks.preConnect(asClient(fakeClient("a")), { cmd: "connect", protocolVersion, clientId: "a" } as never, (error, ok) => (answer = [error, ok]));
        assert.deepEqual(answer, [null, true]);
      }
      const old = fakeClient("a");
      origins.record(old.conn, { transport: "websocket" });
      let answer: [Error | null, boolean] | undefined;
      hooks.preConnect(asClient(old), { cmd: "connect", protocolVersion: 3, clientId: "x" } as never, (error, ok) => (answer = [error, ok]));
      assert.deepEqual(old.conn.written, [CONNACK_UNACCEPTABLE_PROTOCOL]);
      assert.match(answer?.[0]?.message ?? "", /MQTT 3\.1 \(protocol level 3\) is not supported/);
      assert.equal(answer?.[1], false);
      assert.deepEqual(refusals.map((r) => [r.action, r.clientId, r.principal, r.outcome]), [["mqtt", "x", "websocket client", "connection refused"]]);
      hooks.preConnect(asClient(fakeClient("")), { cmd: "connect", protocolVersion: 3 } as never, () => {});
      assert.equal(refusals[1].clientId, "");
    });
  });

  describe("publish", () => {
    it("allows a thing its own up, status and Jobs request topics, and refuses another thing's", async () => {
      const a = await connectedThing("a");
      assert.equal(publish(a, publishPacket(topics.up(APP, "a", "temperature"))), null);
      assert.equal(publish(a, publishPacket(topics.status(APP, "a"), { retain: true })), null);
      assert.equal(publish(a, publishPacket(jobTopics.get("a"))), null);
      assertNoRefusals();
      assert.match(publish(a, publishPacket(jobTopics.get("b")))?.message ?? "", /not authorized to publish on "\$aws\/things\/b\/jobs\/get"/);
      assert.equal(refusals.at(-1)?.resource, topic(jobTopics.get("b")));
    });

    it("refuses the up topic of a server-to-device channel", async () => {
      const a = await connectedThing("a");
      assert.ok(publish(a, publishPacket(topics.up(APP, "a", "cmd"))));
    });

    // AWS asks for iot:RetainPublish on top of iot:Publish when the RETAIN flag is set.
    it("needs iot:RetainPublish for a retained message, and names that action when refusing", async () => {
      const a = await connectedThing("a");
      const upTopic = topics.up(APP, "a", "temperature");
      assert.ok(publish(a, publishPacket(upTopic, { retain: true })));
      assert.deepEqual(refusals.map((r) => [r.action, r.resource]), [["iot:RetainPublish", topic(upTopic)]]);
    });

    it("closes a 3.1.1 client that publishes where it may not (no negative PUBACK); an MQTT 5 client gets PUBACK 0x87, or a QoS 0 message is dropped", async () => {
      const forbidden = topics.up(APP, "b", "temperature");
      const v4 = await connectedThing("a");
      const v5 = await connectedThing("a", "a", 5);
      assert.ok(publish(v4, publishPacket(forbidden)));
      assert.ok(publish(v5, publishPacket(forbidden, { qos: 1 })));
      assert.ok(publish(v5, publishPacket(forbidden, { qos: 0 })));
      assert.deepEqual(refusals.map((r) => r.outcome), ["connection closed", "publish refused (PUBACK 0x87)", "message dropped"]);
    });

    it("lets aedes republish a will for a client it lost track of (authorized at CONNECT)", () => {
      assert.equal(publish(null, publishPacket(topics.status(APP, "a"))), null);
    });

    it("refuses a publish from a client that never authenticated", () => {
      assert.match(publish(fakeClient("a"), publishPacket(topics.status(APP, "a")))?.message ?? "", /before the connection was authenticated/);
    });

    // AWS IoT Core supports QoS 0 and 1 only and rejects payloads over 128 KB
    // (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html, message broker quotas).
    it("closes a connection that publishes with QoS 2 or over 128 KB; an MQTT 5 client is sent DISCONNECT with the reason first", async () => {
      const upTopic = topics.up(APP, "a", "temperature");
      const v4 = await connectedThing("a");
      assert.match(publish(v4, publishPacket(upTopic, { qos: 2 }))?.message ?? "", /QoS 2 publish/);
      assert.deepEqual(v4.disconnects, []);
      const v5 = await connectedThing("a", "a", 5);
      assert.match(publish(v5, publishPacket(upTopic, { payload: Buffer.alloc(MAX_PAYLOAD_BYTES + 1) }))?.message ?? "", /exceeds AWS IoT Core's/);
      assert.equal(v5.disconnects.length, 1);
      assert.equal(v5.disconnects[0].reasonCode, PACKET_TOO_LARGE);
      assert.match(v5.disconnects[0].properties.reasonString, /exceeds AWS IoT Core's/);
      assert.equal(publish(v5, publishPacket(upTopic, { payload: Buffer.alloc(MAX_PAYLOAD_BYTES) })), null, "exactly 128 KB is allowed");
      assert.deepEqual(refusals.map((r) => [r.action, r.principal, r.outcome]), [
        ["mqtt", 'thing "a"', "connection closed"],
        ["mqtt", 'thing "a"', "connection closed (DISCONNECT 0x95)"],
      ]);
    });
  });

  describe("subscribe and receive", () => {
    it("grants a thing its own down topics and refuses another thing's with a SUBACK failure, keeping the connection", async () => {
      const a = await connectedThing("a");
      const own = subscribe(a, topics.down(APP, "a", "cmd"));
      assert.deepEqual(own, { error: null, granted: { topic: topics.down(APP, "a", "cmd"), qos: 1 } });
      const other = subscribe(a, topics.down(APP, "b", "cmd"));
      assert.deepEqual(other, { error: null, granted: null });
      assert.deepEqual(refusals.map((r) => [r.action, r.resource, r.outcome]), [["iot:Subscribe", filter(topics.down(APP, "b", "cmd")), "subscription refused (SUBACK 0x80)"]]);
    });

    it("answers an MQTT 5 client's refused filter with SUBACK 0x87", async () => {
      const a = await connectedThing("a", "a", 5);
      assert.equal(subscribe(a, topics.down(APP, "b", "cmd")).granted, null);
      assert.equal(refusals[0].outcome, "subscription refused (SUBACK 0x87)");
    });

    it("refuses every filter of a client that never authenticated", () => {
      assert.equal(subscribe(fakeClient("a"), topics.down(APP, "a", "cmd")).granted, null);
    });

    it("closes a connection that subscribes with QoS 2 (an MQTT 5 client hears DISCONNECT 0x9B first)", async () => {
      const v4 = await connectedThing("a");
      const answer = subscribe(v4, topics.down(APP, "a", "cmd"), 2);
      assert.match(answer.error?.message ?? "", /QoS 2 subscription/);
      assert.equal(answer.granted, null);
      const v5 = await connectedThing("a", "a", 5);
      assert.ok(subscribe(v5, topics.down(APP, "a", "cmd"), 2).error);
      assert.deepEqual(v5.disconnects.map((d) => d.reasonCode), [QOS_NOT_SUPPORTED]);
    });

    // iot:Receive is checked per delivered message, so a broad allowed filter delivers only what
    // the client may receive (AWS: "iot:Receive ... checked every time a message is delivered").
    it("delivers only what iot:Receive allows: Jobs notifications to the device, never its own requests or another thing's", async () => {
      const a = await connectedThing("a");
      assert.equal(subscribe(a, `${jobTopics.base("a")}/#`).granted?.topic, `${jobTopics.base("a")}/#`);
      assert.ok(forward(a, jobTopics.notifyNext("a")));
      assert.equal(forward(a, jobTopics.get("a")), null);
      assert.equal(forward(a, jobTopics.notifyNext("b")), null);
      assert.deepEqual(refusals.map((r) => [r.action, r.outcome]), [["iot:Receive", "message not delivered"], ["iot:Receive", "message not delivered"]]);
      assert.equal(forward(fakeClient("a"), jobTopics.notifyNext("a")), null, "no session, nothing delivered");
    });
  });

  describe("dashboard tokens", () => {
    // AWS's custom authorizer ends the session when `disconnectAfterInSeconds` runs out; locally
    // the token's expiry is enforced at every decision of the session.
    it("ends a dashboard's rights at the very millisecond its token expires", async () => {
      const token = tokens.issue(HOUR);
      const expiresAt = Number(token.split(".")[1]);
      const dashboard = await connectedDashboard(token);
      const upFilter = topics.up(APP, "+", "temperature");
      clock = expiresAt - 1;
      assert.ok(subscribe(dashboard, upFilter).granted);
      assert.ok(forward(dashboard, topics.up(APP, "a", "temperature")));
      assertNoRefusals();
      clock = expiresAt;
      assert.equal(subscribe(dashboard, upFilter).granted, null);
      assert.equal(forward(dashboard, topics.up(APP, "a", "temperature")), null);
      assert.deepEqual(refusals.map((r) => [r.action, r.principal, r.reason]), [
        ["iot:Subscribe", "dashboard", "dashboard token expired during the session"],
        ["iot:Receive", "dashboard", "dashboard token expired during the session"],
      ]);
    });

    it("lets a dashboard send down on server-writable channels and never publish on up topics", async () => {
      const dashboard = await connectedDashboard(tokens.issue(HOUR));
      assert.equal(publish(dashboard, publishPacket(topics.down(APP, "a", "cmd"))), null);
      assert.ok(publish(dashboard, publishPacket(topics.up(APP, "a", "temperature"))));
      assert.match(refusals[0].reason, /policies consulted: sf-grow-dashboard$/);
    });

    it("lets only an operator dashboard change settings, and names the operator's policies when refusing it", async () => {
      book = new PolicyBook(scope, { ...manifest, settings: [{ name: "setpoint", default: 21, min: 5, max: 35 }] } satisfies Manifest);
      const update = shadowTopics.request("a", settingsShadowName(APP), "update");
      const viewer = await connectedDashboard(tokens.issue(HOUR));
      const operator = await connectedDashboard(tokens.issue(HOUR, Date.now(), "operator"));
      assert.ok(publish(viewer, publishPacket(update)));
      assert.equal(publish(operator, publishPacket(update)), null);
      assert.ok(publish(operator, publishPacket(topics.up(APP, "a", "temperature"))));
      assert.deepEqual(refusals.map((r) => r.principal), ["dashboard", "dashboard (operator)"]);
      assert.match(refusals[1].reason, /policies consulted: sf-grow-dashboard-operator, sf-grow-dashboard-settings-operator$/);
    });

    it("refuses a dashboard client id without the dashboard prefix at connect", async () => {
      const fake = fakeClient("a");
      origins.record(fake.conn, { transport: "websocket" });
      const { error, accepted } = await authenticate(fake, "dashboard", tokens.issue(HOUR));
      assert.equal(accepted, false);
      assert.equal(error?.returnCode, NOT_AUTHORIZED);
      assert.equal(refusals[0].action, "iot:Connect");
    });
  });

  describe("services and reloads", () => {
    it("refuses a service the broker has no policy for, even iot:Connect, saying no policy was consulted", async () => {
      const { certPem } = await pki.serviceIdentity("backup");
      const fake = fakeClient("_svc-backup");
      origins.record(fake.conn, { transport: "mqtts", identity: pki.identityOf(certPem), certificateFingerprint: certificateFingerprint(certPem) });
      assert.equal((await authenticate(fake)).accepted, false);
      assert.equal(refusals[0].principal, 'service "backup"');
      assert.match(refusals[0].reason, /default deny\); policies consulted: none$/);
    });

    // As a policy version change does on AWS, a reloaded manifest applies to connected clients.
    it("applies a reloaded manifest to clients already connected, at their next decision", async () => {
      const a = await connectedThing("a");
      const upTopic = topics.up(APP, "a", "temperature");
      assert.equal(publish(a, publishPacket(upTopic)), null);
      book = new PolicyBook(scope, channelManifest(APP, [{ name: "cmd", qos: 1, direction: "server-to-device", replay: 0 }]));
      assert.ok(publish(a, publishPacket(upTopic)));
      book = new PolicyBook(scope, manifest);
      assert.equal(publish(a, publishPacket(upTopic)), null);
    });

    it("names the session's principal when a connection is closed for a protocol reason, or its origin before it has one", async () => {
      const a = await connectedThing("a");
      hooks.reportClosed(asClient(a), "keepalive timeout");
      const stranger = fakeClient("x");
      origins.record(stranger.conn, { transport: "websocket" });
      hooks.reportClosed(asClient(stranger), "bad packet");
      assert.deepEqual(refusals, [
        { action: "mqtt", clientId: "a", principal: 'thing "a"', reason: "keepalive timeout", outcome: "connection closed" },
        { action: "mqtt", clientId: "x", principal: "websocket client", reason: "bad packet", outcome: "connection closed" },
      ]);
    });
  });
});
