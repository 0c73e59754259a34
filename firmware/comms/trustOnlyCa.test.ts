import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LocalBroker } from "../../local/broker";
import { sdkConnection } from "../../local/broker/sdkConnection";
import { channelManifest } from "../../test/support/channelManifest";
import { buildTrustingOnly } from "./trustOnlyCa";

const APP = "trust";
const manifest = channelManifest(APP, [{ name: "level", qos: 1, direction: "device-to-server", replay: 0 }]);

describe("buildTrustingOnly: a device's TLS context trusts the given CA alone, without the system trust store's parse", function () {
  this.timeout(20000);
  const saved = { file: process.env.SSL_CERT_FILE, dir: process.env.SSL_CERT_DIR };
  const restore = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
  afterEach(() => {
    restore("SSL_CERT_FILE", saved.file);
    restore("SSL_CERT_DIR", saved.dir);
  });

  it("points the default trust store at an empty file only while the context is built, then gives the user's settings back", () => {
    process.env.SSL_CERT_FILE = "/etc/users-own.pem";
    delete process.env.SSL_CERT_DIR;
    const seen = buildTrustingOnly("-----BEGIN CERTIFICATE-----", () => [process.env.SSL_CERT_FILE, process.env.SSL_CERT_DIR]);
    assert.deepEqual(seen, ["/dev/null", "/dev/null"]);
    assert.equal(process.env.SSL_CERT_FILE, "/etc/users-own.pem");
    assert.equal("SSL_CERT_DIR" in process.env, false, "a variable that was unset is unset again, not set to the string 'undefined'");
  });

  it("gives the settings back when the build throws", () => {
    delete process.env.SSL_CERT_FILE;
    process.env.SSL_CERT_DIR = "/etc/users-certs";
    assert.throws(() => buildTrustingOnly("ca", () => { throw new Error("bad key"); }), /bad key/);
    assert.equal("SSL_CERT_FILE" in process.env, false);
    assert.equal(process.env.SSL_CERT_DIR, "/etc/users-certs");
  });

  it("leaves the system trust store alone for a connection without a CA of its own (a device of AWS trusts Amazon's roots)", () => {
    process.env.SSL_CERT_FILE = "/etc/users-own.pem";
    assert.equal(buildTrustingOnly(undefined, () => process.env.SSL_CERT_FILE), "/etc/users-own.pem");
    assert.equal(buildTrustingOnly("", () => process.env.SSL_CERT_FILE), "/etc/users-own.pem");
  });

  // A server certificate from another CA is refused too, but s2n blinds a failed handshake for
  // 10–30 s (measured 19–27 s), too long for npm test; the default store is empty there anyway.
  it("a device trusting the local CA alone connects to the broker that CA signed", async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-trust-"));
    const broker = await LocalBroker.start({ stateDir, app: APP, manifest });
    try {
      const identity = await broker.provisionDevice("d1");
      const connection = sdkConnection({ host: "127.0.0.1", port: broker.mqttsPort, caCertPem: broker.caCertPem, ...identity, clientId: "d1" });
      assert.equal(await connection.connect(), false, "connected, on a clean session");
      await connection.disconnect();
    } finally {
      await broker.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
