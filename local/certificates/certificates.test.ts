import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { Aedes } from "aedes";
import { iot, mqtt } from "aws-iot-device-sdk-v2";
import { ensureLocalPki, type LocalPki } from "./index";

const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";

/** A TLS server that demands a client certificate from the local CA, recording what it saw. */
async function mtlsServer(pki: LocalPki) {
  const peers: string[] = [];
  const clientErrors: Error[] = [];
  const server = tls.createServer(
    { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      peers.push(String(socket.getPeerCertificate().subject.CN));
      socket.end(pki.thingNameOf(socket.getPeerCertificate()) ?? "?");
    },
  );
  server.on("tlsClientError", (error) => clientErrors.push(error));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, peers, clientErrors, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Connects with a client certificate; resolves with what the server wrote back, rejects on TLS failure. */
function tlsExchange(
  port: number,
  host: string,
  ca: string,
  identity: { certPem: string; keyPem: string },
  maxVersion: tls.SecureVersion = "TLSv1.3",
): Promise<string> {
  return new Promise((resolve, reject) => {
    const servername = host === "localhost" ? host : undefined;
    const socket = tls.connect({ host, port, ca, cert: identity.certPem, key: identity.keyPem, servername, maxVersion });
    let received = "";
    let failure: Error | undefined;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", (error) => (failure = error));
    socket.on("close", () => {
      if (failure) reject(failure);
      else if (!socket.authorized) reject(new Error("closed before the TLS handshake completed"));
      else resolve(received);
    });
  });
}

describe("local PKI", function () {
  let stateDir: string;
  let otherStateDir: string;
  let pki: LocalPki;

  before(async () => {
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-"));
    otherStateDir = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-other-"));
    pki = await ensureLocalPki(stateDir);
  });

  after(async () => {
    await fs.rm(stateDir, { recursive: true, force: true });
    await fs.rm(otherStateDir, { recursive: true, force: true });
  });

  it("creates the CA and server files, keys private", async () => {
    for (const file of ["ca.crt", "ca.key", "server.crt", "server.key"]) await fs.access(path.join(stateDir, "pki", file));
    for (const key of ["ca.key", "server.key"]) {
      assert.equal((await fs.stat(path.join(stateDir, "pki", key))).mode & 0o777, 0o600, key);
    }
    const server = new X509Certificate(pki.server.certPem);
    assert.match(server.subject, /CN=localhost/);
    assert.ok(server.checkHost("localhost"));
    assert.ok(server.checkIP("127.0.0.1"));
    assert.ok(server.checkIP("::1"));
    assert.ok(server.verify(new X509Certificate(pki.caCertPem).publicKey));
  });

  it("reuses everything on a later run", async () => {
    const device = await pki.deviceIdentity("dev-reuse");
    const again = await ensureLocalPki(stateDir);
    assert.equal(again.caFingerprint256, pki.caFingerprint256);
    assert.equal(again.caCertPem, pki.caCertPem);
    assert.equal(again.server.certPem, pki.server.certPem);
    const deviceAgain = await again.deviceIdentity("dev-reuse");
    assert.equal(deviceAgain.certPem, device.certPem);
    assert.equal(deviceAgain.keyPem, device.keyPem);
    assert.equal(await fs.readFile(path.join(stateDir, "pki", "things", "dev-reuse.crt"), "utf8"), device.certPem);
    assert.equal((await fs.stat(path.join(stateDir, "pki", "things", "dev-reuse.key"))).mode & 0o777, 0o600);
  });

  it("gives concurrent callers one certificate per thing", async () => {
    const other = await ensureLocalPki(stateDir);
    const identities = await Promise.all([pki.deviceIdentity("dev-race"), pki.deviceIdentity("dev-race"), other.deviceIdentity("dev-race")]);
    assert.equal(new Set(identities.map((i) => i.certPem)).size, 1);
    const cert = new X509Certificate(identities[0].certPem);
    assert.ok(cert.checkPrivateKey(createPrivateKey(identities[0].keyPem)));
  });

  it("agrees on one CA when two processes start on an empty state dir", async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-race-"));
    try {
      const [a, b] = await Promise.all([ensureLocalPki(fresh), ensureLocalPki(fresh)]);
      assert.equal(a.caFingerprint256, b.caFingerprint256);
      assert.equal(a.server.certPem, b.server.certPem);
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it("issues device certificates that name the thing and verify against the CA", async () => {
    const device = await pki.deviceIdentity("greenhouse-1");
    assert.equal(device.thingName, "greenhouse-1");
    const cert = new X509Certificate(device.certPem);
    const ca = new X509Certificate(pki.caCertPem);
    assert.ok(cert.checkIssued(ca));
    assert.ok(cert.verify(ca.publicKey));
    assert.match(cert.subject, /^CN=greenhouse-1$/m);
    assert.match(cert.subject, /^OU=snapfleet-thing$/m);
    assert.equal(cert.subjectAltName, "URI:urn:snapfleet:thing:greenhouse-1");
    assert.deepEqual(cert.keyUsage, [CLIENT_AUTH_OID]);
    assert.equal(pki.thingNameOf(device.certPem), "greenhouse-1");
    assert.equal(pki.thingNameOf(cert.raw), "greenhouse-1");
    assert.equal(pki.thingNameOf(pki.server.certPem), undefined, "the server certificate names no thing");
    assert.equal(pki.thingNameOf({}), undefined, "a peer without a certificate names no thing");
  });

  it("keeps service identities apart from things", async () => {
    const service = await pki.serviceIdentity("dashboard");
    assert.deepEqual(pki.identityOf(service.certPem), { kind: "service", serviceName: "dashboard" });
    assert.equal(pki.thingNameOf(service.certPem), undefined);
  });

  it("refuses invalid thing names with a clear error and writes nothing", async () => {
    await assert.rejects(pki.deviceIdentity("Bad_Name"), /cannot issue a device certificate: thing name "Bad_Name" is invalid/);
    await assert.rejects(pki.deviceIdentity("../ca"), /thing name "\.\.\/ca" is invalid/);
    const things = await fs.readdir(path.join(stateDir, "pki", "things"));
    assert.ok(!things.some((file) => file.toLowerCase().includes("bad")), things.join(", "));
  });

  it("completes mutual TLS with a device certificate; the server reads the thing name", async () => {
    const server = await mtlsServer(pki);
    try {
      const device = await pki.deviceIdentity("dev-tls");
      assert.equal(await tlsExchange(server.port, "localhost", pki.caCertPem, device), "dev-tls");
      assert.equal(await tlsExchange(server.port, "127.0.0.1", pki.caCertPem, device), "dev-tls");
      assert.deepEqual(server.peers, ["dev-tls", "dev-tls"]);
      assert.deepEqual(server.clientErrors, []);
    } finally {
      await server.close();
    }
  });

  it("rejects a device certificate from another CA", async () => {
    const server = await mtlsServer(pki);
    try {
      const otherPki = await ensureLocalPki(otherStateDir);
      assert.notEqual(otherPki.caFingerprint256, pki.caFingerprint256);
      const impostor = await otherPki.deviceIdentity("dev-tls");
      // TLS 1.2: the handshake itself fails for the client.
      await assert.rejects(tlsExchange(server.port, "localhost", pki.caCertPem, impostor, "TLSv1.2"), /before secure TLS connection was established|before the TLS handshake completed/);
      // TLS 1.3 rejects the client certificate after the client considers the handshake done,
      // so there the verdict is the server's: nothing accepted, a client error recorded.
      await tlsExchange(server.port, "localhost", pki.caCertPem, impostor).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(server.peers, []);
      assert.equal(server.clientErrors.length, 2);
      assert.equal(pki.thingNameOf(impostor.certPem), undefined);
    } finally {
      await server.close();
    }
  });

  it("is accepted by aws-iot-device-sdk-v2 (aws-crt) connecting to an MQTT broker over mTLS", async function () {
    this.timeout(15000);
    const broker = await Aedes.createBroker();
    const seen: Array<{ clientId: string; thingName: string | undefined }> = [];
    broker.authenticate = (client, _username, _password, done) => {
      const thingName = pki.thingNameOf((client.conn as tls.TLSSocket).getPeerCertificate());
      seen.push({ clientId: client.id, thingName });
      done(null, thingName === client.id);
    };
    const server = tls.createServer(
      { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: true },
      broker.handle,
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const device = await pki.deviceIdentity("dev-crt");
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(device.certPem, device.keyPem)
      .with_certificate_authority(pki.caCertPem)
      .with_endpoint("localhost")
      .with_port((server.address() as AddressInfo).port)
      .with_client_id("dev-crt")
      .with_clean_session(true)
      .build();
    const connection = new mqtt.MqttClient().new_connection(config);
    try {
      assert.equal(await connection.connect(), false, "clean session: no session was resumed");
      assert.deepEqual(seen, [{ clientId: "dev-crt", thingName: "dev-crt" }]);
    } finally {
      await connection.disconnect().catch(() => undefined);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("reissues the server certificate when more host names are asked for, keeping the CA", async () => {
    const widened = await ensureLocalPki(stateDir, { serverHostnames: ["snapfleet.local", "10.0.0.7"] });
    assert.equal(widened.caFingerprint256, pki.caFingerprint256);
    assert.notEqual(widened.server.certPem, pki.server.certPem);
    const server = new X509Certificate(widened.server.certPem);
    assert.ok(server.checkHost("snapfleet.local"));
    assert.ok(server.checkIP("10.0.0.7"));
    assert.ok(server.checkHost("localhost"));
  });

  it("refuses to replace a CA whose key went missing", async () => {
    const broken = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-broken-"));
    try {
      await ensureLocalPki(broken);
      await fs.rm(path.join(broken, "pki", "ca.key"));
      await assert.rejects(ensureLocalPki(broken), /local PKI in .* is incomplete: ca\.key is missing; delete .* to start over/);
    } finally {
      await fs.rm(broken, { recursive: true, force: true });
    }
  });
});
