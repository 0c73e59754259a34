/** Onboarding by claim, end to end on 127.0.0.1: the real broker over mutual TLS, the fleet
 * provisioning service, approvals in SQLite, and a board that boots with its batch's claim and
 * speaks the API through aws-iot-device-sdk-v2's own `iotidentity` client. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { identityByClaim, type ClaimProvisioningOptions } from "../../firmware/provisioning/claimProvisioning";
import { claimClientIdPrefix } from "../../core/policy/clientIds";
import { CREATE_KEYS_TOPIC, provisioningTemplateName, registerThingTopic } from "../../core/provisioning/claimApi";
import { jobTopics, topics } from "../../core/contracts/topics";
import { encodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { LocalBroker } from "../broker";
import type { BrokerRefusal } from "../broker/refusals";
import { openMemoryDatabase } from "../database/localDatabase";
import { JobsService } from "../jobs";
import { channelManifest } from "../../test/support/channelManifest";
import { waitFor } from "../../test/support/waitFor";
import { ApprovalStore } from "./approvals";
import { FleetProvisioningService } from "./fleetProvisioningService";

const APP = "grow";
const GROUP = "grow-fleet";

describe("onboarding by claim (fleet provisioning MQTT API, local cloud)", function () {
  this.timeout(60_000);
  let stateDir: string;
  let broker: LocalBroker;
  let jobs: JobsService;
  let approvals: ApprovalStore;
  let service: FleetProvisioningService;
  const lines: string[] = [];
  const refusals: BrokerRefusal[] = [];
  const joined: string[] = [];
  let claim: { certPem: string; keyPem: string };

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-claim-"));
    broker = await LocalBroker.start({ stateDir, app: APP, manifest: channelManifest(APP, []), onRefusal: (r) => refusals.push(r) });
    jobs = await JobsService.start({ aedes: broker.aedes });
    jobs.createJob({ jobId: "grow-v1", document: { operation: "snapfleet.install" }, thingGroup: GROUP });
    approvals = new ApprovalStore(openMemoryDatabase());
    service = FleetProvisioningService.start({
      app: APP,
      aedes: broker.aedes,
      pki: broker.pki,
      registry: broker.registry,
      approvals,
      onProvisioned: (thing) => {
        joined.push(thing);
        jobs.addThingToGroup(GROUP, thing);
      },
      log: (l) => lines.push(l),
    });
    claim = await broker.pki.claimIdentity("batch-7");
  });

  after(async () => {
    service?.stop();
    await jobs?.stop();
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  const board = (serial: string, extra: Partial<ClaimProvisioningOptions> = {}): ClaimProvisioningOptions => ({
    app: APP,
    serial,
    endpoint: "127.0.0.1",
    port: broker.mqttsPort,
    caCertPem: broker.caCertPem,
    claimCertPem: claim.certPem,
    claimKeyPem: claim.keyPem,
    stateDir: path.join(stateDir, "boards", serial),
    retry: { initialMs: 100, maxMs: 200 },
    ...extra,
  });

  it("claim → pending → approve → online with its own certificate, in the fleet", async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const provisioning = identityByClaim(board("sn-1001", { signal: controller.signal, log: (l) => log.push(l) }));
    await waitFor("the board to be listed as pending", () => approvals.get("sn-1001")?.state === "pending");
    assert.equal(approvals.get("sn-1001")?.batch, "batch-7");
    assert.deepEqual(joined, [], "nothing joins before an operator approves");
    assert.ok(!broker.registry.has("sn-1001"));
    await waitFor("a second attempt", () => (approvals.get("sn-1001")?.attempts ?? 0) >= 2);
    assert.match(log.join("\n"), /not approved yet \(attempt 1: RegisterThing: 403 AccessDenied: ACCESS_DENIED/);

    approvals.approve("sn-1001");
    const identity = await provisioning;
    assert.equal(identity.thingName, "sn-1001");
    assert.deepEqual(joined, ["sn-1001"]);
    assert.notEqual(identity.certPem, claim.certPem);
    // Kept in the board's flash, the key private; a reboot reuses it without asking.
    const dir = path.join(stateDir, "boards", "sn-1001", "identity");
    assert.equal((await stat(path.join(dir, "device.key"))).mode & 0o777, 0o600);
    assert.equal(await readFile(path.join(dir, "device.crt"), "utf8"), identity.certPem);
    assert.deepEqual(await identityByClaim(board("sn-1001", { port: 1 })), identity, "no connection needed the second time");

    // Online as itself: connects with the new certificate as the thing, reports status, and is offered the fleet's job.
    const device = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.mqttsPort}`, { clientId: "sn-1001", protocolVersion: 4, ca: broker.caCertPem, cert: identity.certPem, key: identity.keyPem, reconnectPeriod: 0 });
    try {
      await device.publishAsync(topics.status(APP, "sn-1001"), Buffer.from(encodeDeviceStatus({ online: true, version: "v0", bootId: "b1", t: Date.now() })), { qos: 1, retain: true });
      await waitFor("the broker to record the board online", () => broker.fleetStatus.get("sn-1001")?.online === true);
      const answers: Record<string, unknown>[] = [];
      device.on("message", (_t, payload) => answers.push(JSON.parse(payload.toString())));
      await device.subscribeAsync(`${jobTopics.base("sn-1001")}/start-next/accepted`, { qos: 1 });
      await device.publishAsync(`${jobTopics.base("sn-1001")}/start-next`, JSON.stringify({ clientToken: "c1" }), { qos: 1 });
      await waitFor("start-next to answer", () => answers.length > 0);
      assert.equal((answers[0].execution as { jobId: string }).jobId, "grow-v1");
    } finally {
      await device.endAsync(true);
    }
    assert.ok(lines.some((l) => /"sn-1001" joined the fleet \(claim "batch-7"/.test(l)), lines.join("\n"));
  });

  it("an approval lets one board through: asking again with a joined serial is refused and listed as joined", async () => {
    // After the first test sn-1001 joined; whoever else holds the batch's claim asks with its serial.
    assert.equal(approvals.get("sn-1001")?.state, "joined");
    assert.equal(typeof approvals.get("sn-1001")?.joinedAt, "number");
    const controller = new AbortController();
    const attempts = approvals.get("sn-1001")!.attempts;
    const second = identityByClaim(board("sn-1001", { stateDir: path.join(stateDir, "boards", "sn-1001-copy"), signal: controller.signal }));
    await waitFor("the copy to ask twice", () => approvals.get("sn-1001")!.attempts >= attempts + 2);
    controller.abort();
    await assert.rejects(second, /provisioning by claim was stopped/);
    assert.equal(approvals.get("sn-1001")?.state, "joined", "refused, listed as joined, not pending");
    assert.deepEqual(joined, ["sn-1001"], "no second certificate for the thing");
    assert.ok(lines.some((l) => /refused a board of claim "batch-7": board "sn-1001" already joined the fleet with its approval/.test(l)), lines.join("\n"));
    // Approving again (a board whose flash was wiped) lets exactly one more through.
    approvals.approve("sn-1001");
    assert.equal(approvals.get("sn-1001")?.state, "approved");
  });

  it("two boards racing with the same approved serial: only one gets a thing", async () => {
    approvals.approve("sn-2002");
    const askers = await Promise.all([1, 2].map((n) => rawClaimClient(`${claimClientIdPrefix(APP)}racer-${n}`)));
    try {
      const tokens = await Promise.all(askers.map((a) => a.certificate()));
      const answers = await Promise.all(askers.map((a, i) => a.register(tokens[i], "sn-2002")));
      assert.deepEqual(answers.map((a) => a.topic.endsWith("/accepted")).sort(), [false, true], JSON.stringify(answers));
      assert.equal(answers.find((a) => a.topic.endsWith("/rejected"))!.body.errorCode, "AccessDenied");
      assert.equal(approvals.get("sn-2002")?.state, "joined");
      assert.equal(joined.filter((t) => t === "sn-2002").length, 1);
    } finally {
      await Promise.all(askers.map((a) => a.client.endAsync(true)));
    }
  });

  /** A claim connection speaking the API by hand, to send two RegisterThing requests at once. */
  async function rawClaimClient(clientId: string) {
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.mqttsPort}`, { clientId, protocolVersion: 4, ca: broker.caCertPem, cert: claim.certPem, key: claim.keyPem, reconnectPeriod: 0 });
    const register = registerThingTopic(provisioningTemplateName(APP));
    const answers: { topic: string; body: Record<string, any> }[] = [];
    client.on("message", (topic, payload) => answers.push({ topic, body: JSON.parse(payload.toString()) }));
    await client.subscribeAsync([`${CREATE_KEYS_TOPIC}/accepted`, `${register}/accepted`, `${register}/rejected`], { qos: 1 });
    const next = async (prefix: string) => {
      await waitFor(`an answer on ${prefix}`, () => answers.some((a) => a.topic.startsWith(prefix)));
      return answers.splice(answers.findIndex((a) => a.topic.startsWith(prefix)), 1)[0];
    };
    return {
      client,
      async certificate(): Promise<string> {
        await client.publishAsync(CREATE_KEYS_TOPIC, "", { qos: 1 });
        return (await next(CREATE_KEYS_TOPIC)).body.certificateOwnershipToken as string;
      },
      async register(token: string, serial: string) {
        await client.publishAsync(register, JSON.stringify({ certificateOwnershipToken: token, parameters: { SerialNumber: serial } }), { qos: 1 });
        return next(register);
      },
    };
  }

  it("deny → refused: the board gets no identity and is listed as denied", async () => {
    approvals.deny("sn-666");
    const controller = new AbortController();
    const provisioning = identityByClaim(board("sn-666", { signal: controller.signal }));
    await waitFor("the denied board to ask", () => (approvals.get("sn-666")?.attempts ?? 0) >= 2);
    controller.abort();
    await assert.rejects(provisioning, /provisioning by claim was stopped/);
    assert.equal(approvals.get("sn-666")?.state, "denied");
    assert.ok(!broker.registry.has("sn-666"));
    assert.ok(!joined.includes("sn-666"));
    assert.ok(lines.some((l) => /refused a board of claim "batch-7": board "sn-666" was denied by an operator/.test(l)));
  });

  it("a serial the cloud refuses whatever an operator decides (not a thing name, a reserved client id) is said at once, and nothing is asked", async () => {
    for (const [serial, words] of [
      ["SN_1", /provisioning by claim: serial name "SN_1" is invalid: use 1-63 lowercase letters, .* \(it becomes the thing name\); the cloud refuses this board whatever an operator decides: flash it with another serial \(nothing was asked\)$/],
      [`sf-${APP}-server`, /provisioning by claim: serial "sf-.*-server" is a client id reserved for the app's server, dashboards or claims/],
    ] as const) {
      await assert.rejects(identityByClaim(board(serial)), words);
      assert.equal(approvals.get(serial), undefined, `${serial}: nothing was asked, so nothing is pending`);
    }
  });

  it("a claim can only ask for an identity: the claim policy refuses device topics and other boards' answers stay private", async () => {
    const connect = (clientId: string) =>
      mqtt.connectAsync(`mqtts://127.0.0.1:${broker.mqttsPort}`, { clientId, protocolVersion: 4, ca: broker.caCertPem, cert: claim.certPem, key: claim.keyPem, reconnectPeriod: 0 });
    // A claim can't connect under a device's client id (it would kick that device off).
    await assert.rejects(connect("sn-1001"), /Not authorized|not authorized/i);

    const spy = await connect(`${claimClientIdPrefix(APP)}spy`);
    const asker = await connect(`${claimClientIdPrefix(APP)}asker`);
    try {
      const seen: string[] = [];
      spy.on("message", (topic) => seen.push(topic));
      const got: Record<string, unknown>[] = [];
      asker.on("message", (_t, payload) => got.push(JSON.parse(payload.toString())));
      for (const c of [spy, asker]) await c.subscribeAsync([`${CREATE_KEYS_TOPIC}/accepted`, `${registerThingTopic(provisioningTemplateName(APP))}/rejected`], { qos: 1 });
      // SUBACK 0x80 (mqtt.js turns it into an error): the claim may not read the fleet's status.
      await assert.rejects(spy.subscribeAsync(`sf/${APP}/+/_status`, { qos: 1 }), /Subscribe error/);

      await asker.publishAsync(CREATE_KEYS_TOPIC, "", { qos: 1 });
      await waitFor("the asker's certificate", () => got.length === 1);
      assert.deepEqual(Object.keys(got[0]).sort(), ["certificateId", "certificateOwnershipToken", "certificatePem", "privateKey"]);
      // A token that was never issued is refused; the same board's answer goes to it alone.
      await asker.publishAsync(registerThingTopic(provisioningTemplateName(APP)), JSON.stringify({ certificateOwnershipToken: "forged", parameters: { SerialNumber: "sn-9" } }), { qos: 1 });
      await waitFor("the refusal", () => got.length === 2);
      assert.equal(got[1].errorCode, "InvalidCertificateOwnershipToken");
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen, [], "another board of the batch never sees these answers");

      // Publishing where a claim may not closes its connection, as AWS does.
      const closed = new Promise<void>((resolve) => spy.once("close", () => resolve()));
      spy.publish(topics.status(APP, "sn-1001"), "x", { qos: 1 });
      await closed;
      assert.ok(refusals.some((r) => r.principal === 'claim of batch "batch-7"' && r.action === "iot:Publish"), JSON.stringify(refusals.slice(-3)));
    } finally {
      await Promise.all([spy.endAsync(true), asker.endAsync(true)]);
    }
  });
});
