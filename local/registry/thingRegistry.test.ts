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
  describe("revoke (snapfleet devices revoke)", () => {
    it("revokes the thing's certificates for good and removes the thing; attaching one again is refused, a new one is not", async () => {
      const pki = await ensureLocalPki(stateDir);
      const [lost, kept, fresh] = ["lost", "kept", "fresh"].map((n) => pki.issueThingCertificate(n).certPem);
      const registry = await ThingRegistry.open(stateDir);
      await registry.attach("sim-1", lost);
      await registry.attach("sim-2", kept);

      const revoked = await registry.revoke("sim-1");
      assert.deepEqual(revoked, [certificateFingerprint(lost)]);
      assert.deepEqual(registry.names(), ["sim-2"]);
      assert.equal(registry.isRevoked(certificateFingerprint(lost)), true);
      assert.equal(registry.isRevoked(certificateFingerprint(kept)), false);
      assert.deepEqual(registry.thingsAttachedTo(certificateFingerprint(lost)), []);
      await assert.rejects(registry.attach("sim-1", lost), /thing registry: certificate [0-9A-F:]{23}… was revoked \(snapfleet devices revoke\) and can never be attached again; give "sim-1" a new certificate/);
      await assert.rejects(registry.attach("sim-3", lost), /was revoked/);
      await registry.attach("sim-1", fresh);
      assert.deepEqual(registry.names(), ["sim-1", "sim-2"]);
    });

    it("keeps the revoked list in the file: a reopen and another instance (another process) see it, and it refuses there too", async () => {
      const pki = await ensureLocalPki(stateDir);
      const cert = pki.issueThingCertificate("lost").certPem;
      const registry = await ThingRegistry.open(stateDir);
      const other = await ThingRegistry.open(stateDir);
      await registry.attach("sim-1", cert);
      await other.reload();
      assert.deepEqual(other.names(), ["sim-1"]);

      await registry.revoke("sim-1");
      const reopened = await ThingRegistry.open(stateDir);
      assert.equal(reopened.isRevoked(certificateFingerprint(cert)), true);
      assert.deepEqual(reopened.names(), []);
      // `other` read the file before the revoke: its attach is checked against the file, under its lock.
      await assert.rejects(other.attach("sim-3", cert), /was revoked/);
      assert.equal(other.isRevoked(certificateFingerprint(cert)), true);
      assert.deepEqual((await ThingRegistry.open(stateDir)).names(), []);
      const file = JSON.parse(fs.readFileSync(registryFile(stateDir), "utf8")) as { revoked: string[] };
      assert.deepEqual(file.revoked, [certificateFingerprint(cert)]);
    });

    it("an edit refused in a batch fails alone: the others of the same write are kept", async () => {
      const pki = await ensureLocalPki(stateDir);
      const [lost, ok] = ["lost", "ok"].map((n) => pki.issueThingCertificate(n).certPem);
      const registry = await ThingRegistry.open(stateDir);
      await registry.attach("sim-1", lost);
      const other = await ThingRegistry.open(stateDir);
      await registry.revoke("sim-1");
      const results = await Promise.allSettled([other.attach("a-1", ok), other.attach("sim-9", lost), other.attach("a-2", ok)]);
      assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
      assert.deepEqual((await ThingRegistry.open(stateDir)).names(), ["a-1", "a-2"]);
    });

    it("an unknown thing is an error naming the things there are (the first 10)", async () => {
      const pki = await ensureLocalPki(stateDir);
      const cert = pki.issueThingCertificate("c").certPem;
      const registry = await ThingRegistry.open(stateDir);
      await assert.rejects(registry.revoke("sim-1"), { message: `thing registry: no thing "sim-1" to revoke; the registry (${registryFile(stateDir)}) has no thing yet` });
      for (let i = 1; i <= 12; i++) await registry.attach(`dev-${String(i).padStart(2, "0")}`, cert);
      await assert.rejects(
        registry.revoke("sim-1"),
        { message: `thing registry: no thing "sim-1" to revoke; the registry (${registryFile(stateDir)}) has dev-01, dev-02, dev-03, dev-04, dev-05, dev-06, dev-07, dev-08, dev-09, dev-10 and 2 more` },
      );
      assert.equal((await ThingRegistry.open(stateDir)).names().length, 12);
    });

    it("reads a file written before revocation existed (no \"revoked\"): nothing is revoked", async () => {
      const pki = await ensureLocalPki(stateDir);
      const cert = pki.issueThingCertificate("c").certPem;
      fs.mkdirSync(path.dirname(registryFile(stateDir)), { recursive: true });
      fs.writeFileSync(registryFile(stateDir), JSON.stringify({ things: [{ name: "old-1", certificates: [certificateFingerprint(cert)] }] }));
      const registry = await ThingRegistry.open(stateDir);
      assert.equal(registry.isRevoked(certificateFingerprint(cert)), false);
      await registry.attach("old-2", cert);
      assert.deepEqual((await ThingRegistry.open(stateDir)).names(), ["old-1", "old-2"]);
    });

    it("refreshIfChanged picks up another instance's revoke, and reads nothing when the file did not change", async () => {
      const pki = await ensureLocalPki(stateDir);
      const cert = pki.issueThingCertificate("c").certPem;
      const broker = await ThingRegistry.open(stateDir);
      await broker.attach("sim-1", cert);
      assert.equal(await broker.refreshIfChanged(), false, "its own write is the file it knows");
      const cli = await ThingRegistry.open(stateDir);
      await cli.revoke("sim-1");
      assert.equal(await broker.refreshIfChanged(), true);
      assert.equal(broker.isRevoked(certificateFingerprint(cert)), true);
      assert.deepEqual(broker.names(), []);
      assert.equal(await broker.refreshIfChanged(), false);
    });
  });
});
