import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { Aedes } from "aedes";
import { iot, mqtt } from "aws-iot-device-sdk-v2";
import { ensureLocalPki, type LocalPki } from "./index";

const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";
const colonHex = (bytes: Buffer) => bytes.toString("hex").toUpperCase().replace(/..(?!$)/g, "$&:");

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

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A state dir as earlier versions left it: an RSA-2048 CA with a PKCS#1 key, and an RSA device
 * certificate it issued. Made with the OpenSSL CLI, not with our code. */
async function writeRsaStateDir(dir: string): Promise<void> {
  const file = (name: string) => path.join(dir, name);
  const extensions = file("ext.cnf");
  await fs.writeFile(
    extensions,
    "[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n" +
      "[thing]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n" +
      "subjectAltName=URI:urn:snapfleet:thing:dev-old\nauthorityKeyIdentifier=keyid\n",
  );
  openssl("genrsa", "-traditional", "-out", file("ca.key"), "2048");
  openssl("req", "-x509", "-new", "-key", file("ca.key"), "-out", file("ca.crt"), "-days", "7300", "-subj", "/O=snapfleet/OU=snapfleet-ca/CN=snapfleet local CA 0ld0rsa0", "-config", extensions, "-extensions", "ca");
  openssl("genrsa", "-traditional", "-out", file("things/dev-old.key"), "2048");
  const csr = file("dev-old.csr");
  openssl("req", "-new", "-key", file("things/dev-old.key"), "-out", csr, "-subj", "/O=snapfleet/OU=snapfleet-thing/CN=dev-old", "-config", extensions);
  openssl("x509", "-req", "-in", csr, "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-CAcreateserial", "-days", "825", "-out", file("things/dev-old.crt"), "-extfile", extensions, "-extensions", "thing");
  await fs.chmod(file("ca.key"), 0o600);
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

  it("writes a new pair in place, and replaces a key left without its certificate (a process that died between them)", async () => {
    const things = path.join(stateDir, "pki", "things");
    await pki.deviceIdentity("dev-first");
    await fs.writeFile(path.join(things, "dev-orphan.key"), "left by a process that died\n", { mode: 0o600 });
    const orphan = await pki.deviceIdentity("dev-orphan");
    assert.ok(new X509Certificate(orphan.certPem).checkPrivateKey(createPrivateKey(await fs.readFile(orphan.keyPath, "utf8"))));
    // A half-written certificate (a reader catching one being created) is not trusted: reissued.
    await fs.writeFile(orphan.certPath, orphan.certPem.slice(0, 200));
    const reissued = await (await ensureLocalPki(stateDir)).deviceIdentity("dev-orphan");
    assert.notEqual(reissued.certPem, orphan.certPem);
    assert.equal(await fs.readFile(reissued.certPath, "utf8"), reissued.certPem);
    const left = (await fs.readdir(things)).filter((f) => f.startsWith("dev-first") || f.startsWith("dev-orphan")).sort();
    assert.deepEqual(left, ["dev-first.crt", "dev-first.key", "dev-orphan.crt", "dev-orphan.key"], "no temporary file or lock left");
  });

  it("keeps the modes under a umask that would narrow them, and makes a lock's folder again if it was removed", async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-umask-"));
    const umask = process.umask(0o277);
    try {
      const local = await ensureLocalPki(fresh);
      const device = await local.deviceIdentity("dev-umask");
      assert.equal((await fs.stat(device.certPath)).mode & 0o777, 0o644);
      assert.equal((await fs.stat(device.keyPath)).mode & 0o777, 0o600);
      process.umask(umask);
      await fs.rm(path.join(fresh, "pki", "things"), { recursive: true });
      const again = await local.deviceIdentity("dev-after-rm");
      assert.equal(await fs.readFile(again.certPath, "utf8"), again.certPem);
    } finally {
      process.umask(umask);
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it("issues a fleet at once under one lock per batch, each pair its own, and leaves no lock", async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-fleet-"));
    try {
      const [a, b] = [await ensureLocalPki(fresh), await ensureLocalPki(fresh)];
      const names = Array.from({ length: 250 }, (_, i) => `fleet-${i}`); // more than one batch (MAX_BATCH 200)
      // Two processes asking for the same things at once agree on one pair each.
      const [fromA, fromB] = await Promise.all([Promise.all(names.map((n) => a.deviceIdentity(n))), Promise.all(names.map((n) => b.deviceIdentity(n)))]);
      const ca = new X509Certificate(a.caCertPem);
      fromA.forEach((identity, i) => {
        assert.equal(identity.certPem, fromB[i].certPem, names[i]);
        const cert = new X509Certificate(identity.certPem);
        assert.ok(cert.verify(ca.publicKey) && cert.checkPrivateKey(createPrivateKey(identity.keyPem)), names[i]);
        assert.match(cert.subject, new RegExp(`CN=${names[i]}$`));
      });
      assert.equal(new Set(fromA.map((i) => i.certPem)).size, names.length);
      assert.deepEqual((await fs.readdir(path.join(fresh, "pki"))).filter((f) => f.endsWith(".lock")), []);
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it("fails every waiting request, naming the cause, when the identities' folder can't be used", async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-nolock-"));
    try {
      const local = await ensureLocalPki(fresh);
      await fs.writeFile(path.join(fresh, "pki", "things"), "a file where the folder goes\n");
      const results = await Promise.allSettled(["x-1", "x-2", "x-3"].map((n) => local.deviceIdentity(n)));
      for (const result of results) assert.match(String(result.status === "rejected" && result.reason), /EEXIST|ENOTDIR/);
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
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
    assert.equal(pki.thingNameOf(cert), "greenhouse-1", "a certificate already parsed, as the broker gets it from getPeerX509Certificate()");
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
      assert.equal(pki.thingNameOf(new X509Certificate(impostor.certPem)), undefined, "parsed or not, another CA's certificate names no thing");
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

  it("makes EC P-256 keys and ECDSA-WITH-SHA256 certificates that OpenSSL reads and verifies", async () => {
    const device = await pki.deviceIdentity("dev-openssl");
    for (const pem of [pki.caCertPem, pki.server.certPem, device.certPem]) {
      const key = new X509Certificate(pem).publicKey;
      assert.equal(key.asymmetricKeyType, "ec");
      assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
    }
    assert.match(device.keyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
    const text = openssl("x509", "-noout", "-text", "-in", device.certPath);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /NIST CURVE: P-256/);
    assert.match(text, /Subject: O ?= ?snapfleet, OU ?= ?snapfleet-thing, CN ?= ?dev-openssl\n/);
    assert.match(text, /Issuer: O ?= ?snapfleet, OU ?= ?snapfleet-ca, CN ?= ?snapfleet local CA [0-9a-f]{8}\n/);
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    assert.match(openssl("x509", "-noout", "-text", "-in", pki.caCertPath), /CA:TRUE, pathlen:0[\s\S]*Certificate Sign, CRL Sign/);
    // Key identifiers (RFC 5280 4.2.1.2 method 1): SHA-1 of the public key's bits, worked out
    // here from Node's own export; a device's authority key identifier is its CA's.
    const keyId = (pem: string) => colonHex(createHash("sha1").update(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" }).subarray(-65)).digest());
    const caText = openssl("x509", "-noout", "-text", "-in", pki.caCertPath);
    assert.match(caText, new RegExp(`X509v3 Subject Key Identifier: \\n\\s+${keyId(pki.caCertPem)}\\n`));
    assert.match(text, new RegExp(`X509v3 Subject Key Identifier: \\n\\s+${keyId(device.certPem)}\\n`));
    assert.match(text, new RegExp(`X509v3 Authority Key Identifier: \\n\\s+(keyid:)?${keyId(pki.caCertPem)}\\n`));
    assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
    assert.match(text, /X509v3 Subject Alternative Name: \n\s+URI:\S*dev-openssl\n/);
    assert.match(openssl("ec", "-noout", "-check", "-in", device.keyPath), /^$/);
    const verified = openssl("verify", "-CAfile", pki.caCertPath, "-purpose", "sslclient", device.certPath);
    assert.equal(verified.trim(), `${device.certPath}: OK`);
    assert.equal(openssl("verify", "-CAfile", pki.caCertPath, "-purpose", "sslserver", pki.server.certPath).trim(), `${pki.server.certPath}: OK`);
    // Another installation's CA must not vouch for it.
    const otherCa = path.join(otherStateDir, "pki", "ca.crt");
    await ensureLocalPki(otherStateDir);
    assert.throws(() => openssl("verify", "-CAfile", otherCa, device.certPath), /unable to get local issuer certificate/);
  });

  it("keeps an existing RSA state dir: its CA, the certificates it issued, and mutual TLS", async function () {
    this.timeout(15000);
    const old = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-rsa-"));
    try {
      const dir = path.join(old, "pki");
      await fs.mkdir(path.join(dir, "things"), { recursive: true });
      await writeRsaStateDir(dir);
      const caBefore = await fs.readFile(path.join(dir, "ca.crt"), "utf8");
      const oldDeviceCert = await fs.readFile(path.join(dir, "things", "dev-old.crt"), "utf8");

      const reopened = await ensureLocalPki(old);
      assert.equal(reopened.caCertPem, caBefore, "the CA is kept");
      const oldDevice = await reopened.deviceIdentity("dev-old");
      assert.equal(oldDevice.certPem, oldDeviceCert, "a certificate the RSA CA issued is reused");
      assert.equal(new X509Certificate(oldDevice.certPem).publicKey.asymmetricKeyType, "rsa");
      const newDevice = await reopened.deviceIdentity("dev-new");
      assert.equal(new X509Certificate(newDevice.certPem).publicKey.asymmetricKeyType, "ec", "new keys are EC P-256");
      assert.match(openssl("x509", "-noout", "-text", "-in", newDevice.certPath), /Signature Algorithm: sha256WithRSAEncryption/);
      assert.equal(openssl("verify", "-CAfile", reopened.caCertPath, newDevice.certPath, reopened.server.certPath).trim().split("\n").length, 2);

      const server = await mtlsServer(reopened);
      try {
        assert.equal(await tlsExchange(server.port, "localhost", reopened.caCertPem, oldDevice), "dev-old");
        assert.equal(await tlsExchange(server.port, "localhost", reopened.caCertPem, newDevice), "dev-new");
      } finally {
        await server.close();
      }
    } finally {
      await fs.rm(old, { recursive: true, force: true });
    }
  });

  it("reissues the server certificate when more host names are asked for, keeping the CA", async () => {
    const widened = await ensureLocalPki(stateDir, { serverHostnames: ["snapfleet.local", "10.0.0.7", "fd00::7:0:1"] });
    assert.equal(widened.caFingerprint256, pki.caFingerprint256);
    assert.notEqual(widened.server.certPem, pki.server.certPem);
    const server = new X509Certificate(widened.server.certPem);
    assert.ok(server.checkHost("snapfleet.local"));
    assert.ok(server.checkIP("10.0.0.7"));
    assert.ok(server.checkIP("fd00:0:0:0:0:7:0:1"));
    assert.equal(server.checkIP("fd00::7:1"), undefined);
    assert.ok(server.checkHost("localhost"));
  });

  it("refuses a CA whose key is of a kind it can't sign with, saying what to do", async () => {
    const odd = await fs.mkdtemp(path.join(os.tmpdir(), "snapfleet-pki-odd-"));
    try {
      const dir = path.join(odd, "pki");
      await fs.mkdir(dir);
      openssl("genpkey", "-algorithm", "ed25519", "-out", path.join(dir, "ca.key"));
      openssl("req", "-x509", "-new", "-key", path.join(dir, "ca.key"), "-out", path.join(dir, "ca.crt"), "-days", "30", "-subj", "/CN=odd", "-config", "/dev/null");
      await assert.rejects(ensureLocalPki(odd), /local PKI in .*: the CA key is ed25519; the local PKI signs with EC P-256 or RSA keys only; delete .* to start over/);
      assert.deepEqual((await fs.readdir(dir)).sort(), ["ca.crt", "ca.key"], "nothing issued");
    } finally {
      await fs.rm(odd, { recursive: true, force: true });
    }
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
