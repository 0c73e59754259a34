/** A revoked certificate is shut out as AWS IoT shuts it out after UpdateCertificate to REVOKED:
 * the devices connected with it are disconnected and it never connects again
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateCertificate.html). The revoke is
 * made by another ThingRegistry instance on the same state dir, as `snapfleet devices revoke` makes
 * it from another process while `snapfleet dev` runs. Real broker, mqtt.js over mutual TLS. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { topics } from "../../core/contracts/topics";
import { channelManifest } from "../../test/support/channelManifest";
import { mqttsOptions } from "../../test/support/mqttsClient";
import { waitFor } from "../../test/support/waitFor";
import type { IdentityFiles } from "../certificates";
import { certificateFingerprint, ThingRegistry } from "../registry";
import { LocalBroker, type BrokerRefusal } from "./index";

const APP = "grow";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);

describe("LocalBroker shuts a revoked certificate out (snapfleet devices revoke)", function () {
  this.timeout(30_000);
  let stateDir: string;
  let broker: LocalBroker;
  const logs: string[] = [];
  const refusals: BrokerRefusal[] = [];
  const open: mqtt.MqttClient[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-revoke-"));
    logs.length = refusals.length = 0;
    broker = await LocalBroker.start({ stateDir, app: APP, manifest, log: (line) => logs.push(line), onRefusal: (r) => refusals.push(r) });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  async function device(thing: string, identity?: IdentityFiles): Promise<mqtt.MqttClient> {
    const client = mqtt.connect(mqttsOptions(broker, thing, identity ?? (await broker.provisionDevice(thing)), { connectTimeout: 5000 }));
    open.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
      client.once("close", () => reject(new Error(`${thing}: connection closed before CONNACK`)));
    });
    return client;
  }

  it("closes the connection of a certificate another process revokes, refuses its reconnect in words, and keeps the other devices", async () => {
    const lostIdentity = await broker.provisionDevice("sim-1");
    const lost = await device("sim-1", lostIdentity);
    const kept = await device("sim-2");
    let closed = false;
    lost.on("close", () => (closed = true));

    const cli = await ThingRegistry.open(stateDir);
    await cli.revoke("sim-1");
    await waitFor("the broker to close sim-1's connection", () => closed);
    assert.ok(kept.connected, "sim-2 stays connected");
    await kept.publishAsync(topics.up(APP, "sim-2", "temperature"), "21", { qos: 1 });
    const fingerprint = certificateFingerprint(lostIdentity.certPem);
    assert.deepEqual(
      logs.filter((l) => l.includes("closed the connection")),
      [`broker: closed the connection of client "sim-1" (thing "sim-1"): certificate revoked (snapfleet devices revoke): ${fingerprint.slice(0, 23)}…`],
    );

    await assert.rejects(device("sim-1", lostIdentity));
    const refusal = refusals.find((r) => r.action === "authenticate" && r.clientId === "sim-1");
    assert.equal(refusal?.reason, `certificate revoked (snapfleet devices revoke): certificate ${fingerprint.slice(0, 23)}… issued for "sim-1" never connects again; give the device a new certificate`);
    assert.ok(kept.connected, "sim-2 is still connected");
  });

  it("says a refused reconnect of a revoked certificate once, in its words (not again as aedes's client error)", async () => {
    const identity = await broker.provisionDevice("sim-8");
    await (await ThingRegistry.open(stateDir)).revoke("sim-8");
    await waitFor("the broker to see the revoke", () => broker.registry.isRevoked(certificateFingerprint(identity.certPem)));
    // aedes tells its clientError listeners in order: the broker's own, added first, has heard it when this one has.
    const errored = new Promise<void>((resolve) => broker.aedes.on("clientError", (client) => client.id === "sim-8" && resolve()));
    await assert.rejects(device("sim-8", identity));
    await errored;
    const lines = logs.filter((l) => l.includes('"sim-8"'));
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^broker: refused authenticate for mqtts client \(client id "sim-8"\): certificate revoked \(snapfleet devices revoke\): .*; connection refused$/);
  });

  it("`snapfleet devices revoke` run in another process closes the connection, as the user runs it beside snapfleet dev", async () => {
    const lost = await device("sim-6");
    const kept = await device("sim-7");
    let closed = false;
    lost.on("close", () => (closed = true));
    const bin = path.join(__dirname, "..", "..", "bin", "snapfleet.js");
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "devices", "revoke", "sim-6", "--state-dir", stateDir]);
    assert.equal(stdout, `revoked "sim-6": its certificate no longer connects (a running snapfleet dev closes its connection within a second)\n`);
    await waitFor("the broker to close sim-6's connection", () => closed);
    assert.ok(kept.connected);
  });

  it("closes the connection of a certificate no longer attached to its thing (the thing removed by another process)", async () => {
    const removed = await device("sim-3");
    const kept = await device("sim-4");
    let closed = false;
    removed.on("close", () => (closed = true));
    await (await ThingRegistry.open(stateDir)).remove("sim-3");
    await waitFor("the broker to close sim-3's connection", () => closed);
    assert.ok(kept.connected);
    assert.ok(logs.some((l) => l === `broker: closed the connection of client "sim-3" (thing "sim-3"): its certificate is no longer attached to thing "sim-3"`), logs.join("\n"));
  });

  it("provisioning a thing whose certificate was revoked issues it a new one, which connects, and says so", async () => {
    const old = await broker.provisionDevice("sim-5");
    await (await ThingRegistry.open(stateDir)).revoke("sim-5");
    await waitFor("the broker to see the revoke", () => broker.registry.isRevoked(certificateFingerprint(old.certPem)));
    const renewed = await broker.provisionDevice("sim-5");
    assert.notEqual(renewed.certPem, old.certPem);
    assert.equal(broker.registry.isRevoked(certificateFingerprint(renewed.certPem)), false);
    await device("sim-5", renewed);
    assert.ok(logs.includes(`broker: the certificate of "sim-5" was revoked (snapfleet devices revoke): issued it a new one (${certificateFingerprint(renewed.certPem).slice(0, 23)}…)`), logs.join("\n"));
    // The new certificate is the one kept: provisioning again reuses it.
    assert.equal((await broker.provisionDevice("sim-5")).certPem, renewed.certPem);
  });
});
