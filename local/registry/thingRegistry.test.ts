import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureLocalPki } from "../certificates";
import { certificateFingerprint, registryFile, ThingRegistry } from "./thingRegistry";

describe("thing registry", function () {
  this.timeout(60_000);
  let stateDir: string;
  beforeEach(() => (stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-registry-"))));
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it("keeps every one of many registrations made at once (a fleet's first start), in its file too", async () => {
    const pki = await ensureLocalPki(stateDir);
    const certs = Array.from({ length: 5 }, (_, i) => pki.issueThingCertificate(`cert-${i}`).certPem);
    const registry = await ThingRegistry.open(stateDir);
    // A second process sharing the state dir registers at the same time.
    const other = await ThingRegistry.open(stateDir);
    const names = Array.from({ length: 150 }, (_, i) => `sim-${i + 1}`);
    await Promise.all([...names.map((name, i) => registry.attach(name, certs[i % certs.length])), other.attach("other-1", certs[0])]);
    await registry.remove("sim-150");

    const reread = await ThingRegistry.open(stateDir);
    assert.deepEqual(reread.names(), [...names.slice(0, -1), "other-1"].sort());
    assert.ok(reread.thingsAttachedTo(certificateFingerprint(certs[1])).includes("sim-2"));
    assert.equal(reread.thingsAttachedTo(certificateFingerprint(certs[0])).length, 30 + 1);
  });

  it("keys a certificate by the fingerprint the broker reads from a connection (X509Certificate's fingerprint256)", async () => {
    const pki = await ensureLocalPki(stateDir);
    const pems = [pki.caCertPem, pki.server.certPem, pki.issueThingCertificate("fp-1").certPem, pki.issueThingCertificate("fp-2").certPem];
    for (const pem of [...pems, pems[2].replace(/\n/g, "\r\n")]) assert.equal(certificateFingerprint(pem), new X509Certificate(pem).fingerprint256);
    assert.notEqual(certificateFingerprint(pems[2]), certificateFingerprint(pems[3]));
  });

  it("refuses what is not a certificate, and registers nothing for it", async () => {
    const pki = await ensureLocalPki(stateDir);
    const { certPem, keyPem } = pki.issueThingCertificate("fp-3");
    const body = certPem.split("\n").slice(1, -2).join("");
    const truncated = `-----BEGIN CERTIFICATE-----\n${body.slice(0, 200)}\n-----END CERTIFICATE-----\n`;
    const notDer = `-----BEGIN CERTIFICATE-----\n${Buffer.from("not a certificate").toString("base64")}\n-----END CERTIFICATE-----\n`;
    for (const bad of ["", "hello", keyPem, truncated, notDer, certPem + certPem]) {
      assert.throws(() => certificateFingerprint(bad), /not a PEM CERTIFICATE block/, JSON.stringify(bad.slice(0, 40)));
    }
    const registry = await ThingRegistry.open(stateDir);
    await assert.rejects(registry.attach("fp-3", keyPem), /not a PEM CERTIFICATE block/);
    assert.deepEqual((await ThingRegistry.open(stateDir)).names(), []);
  });

  it("an invalid name fails alone and registers nothing", async () => {
    const pki = await ensureLocalPki(stateDir);
    const cert = pki.issueThingCertificate("c").certPem;
    const registry = await ThingRegistry.open(stateDir);
    const results = await Promise.allSettled([registry.attach("ok-1", cert), registry.attach("not ok/", cert), registry.attach("ok-2", cert)]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
    assert.deepEqual((await ThingRegistry.open(stateDir)).names(), ["ok-1", "ok-2"]);
  });

  it("sees what another instance or a hand edit put in the file between two of its own writes, and keeps it", async () => {
    const pki = await ensureLocalPki(stateDir);
    const cert = pki.issueThingCertificate("shared").certPem;
    const registry = await ThingRegistry.open(stateDir);
    const other = await ThingRegistry.open(stateDir);
    await registry.attach("ours-1", cert);
    await other.attach("theirs-1", cert);
    await registry.attach("ours-2", cert);
    // An edit in place, by hand: same inode, another size and mtime.
    const file = registryFile(stateDir);
    const edited = JSON.parse(fs.readFileSync(file, "utf8")) as { things: { name: string; certificates: string[] }[] };
    edited.things.push({ name: "by-hand", certificates: [] });
    fs.writeFileSync(file, `${JSON.stringify(edited, null, 2)}\n`);
    await registry.attach("ours-3", cert);

    assert.deepEqual((await ThingRegistry.open(stateDir)).names(), ["by-hand", "ours-1", "ours-2", "ours-3", "theirs-1"]);
    assert.deepEqual(registry.thingsAttachedTo(certificateFingerprint(cert)), ["ours-1", "ours-2", "ours-3", "theirs-1"]);
  });

  it("writes the file sorted by name in code-point order, formatted as JSON.stringify with 2 spaces", async () => {
    const pki = await ensureLocalPki(stateDir);
    const cert = pki.issueThingCertificate("order").certPem;
    const registry = await ThingRegistry.open(stateDir);
    const names = ["ab", "a-b", "a0", "a", "1x", "sim-10", "sim-2", "sim-1", "z", "a--"];
    for (const name of names) await registry.attach(name, cert);
    await registry.remove("z");

    const text = fs.readFileSync(registryFile(stateDir), "utf8");
    const parsed = JSON.parse(text) as { things: { name: string }[] };
    assert.equal(text, `${JSON.stringify(parsed, null, 2)}\n`);
    const expected = names.filter((n) => n !== "z").sort((a, b) => a.localeCompare(b));
    assert.deepEqual(parsed.things.map((t) => t.name), expected);
    assert.deepEqual(expected, ["1x", "a", "a--", "a-b", "a0", "ab", "sim-1", "sim-10", "sim-2"]);
  });
});
