/** The local cloud's PKI: one CA per state dir, a server certificate for the broker, and a client
 * certificate per thing (and per service), issued on first use and reused on later runs. Reuse
 * matters: a simulated device keeps its identity across restarts exactly like a real one keeps
 * the certificate AWS IoT issued it. New keys are EC P-256; a state dir made by an earlier version
 * (RSA-2048 CA and certificates) keeps working as it is: its CA signs the new EC certificates and
 * its RSA certificates are reused until they near expiry. */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { checkName } from "../../core/contracts/names";
import { createOrReplace, PRIVATE_MODE, PUBLIC_MODE, readIfExists, withLock, writeAtomically } from "./files";
import { identityOf, parse, type CertificateInput, type PeerIdentity } from "./identity";
import { certificateIssuer, createCaCertificate, hostAltName, RENEW_BEFORE_DAYS, type LeafRequest } from "./issue";
import { generateEcKeyPair } from "./keys";
import { CLAIM_UNIT, claimUri, SERVER_UNIT, SERVICE_UNIT, serviceUri, THING_UNIT, thingUri } from "./subjects";

export interface LocalPkiOptions {
  /** Extra names or IP addresses the broker is reached at (always: localhost, 127.0.0.1, ::1). */
  serverHostnames?: string[];
}

export interface IdentityFiles {
  certPem: string;
  keyPem: string;
  /** The same material on disk, for clients that take paths (aws-crt's `new_mtls_builder_from_path`). */
  certPath: string;
  keyPath: string;
}

export interface ThingIdentity extends IdentityFiles {
  thingName: string;
}

export interface ServiceIdentity extends IdentityFiles {
  serviceName: string;
}

export interface ClaimIdentity extends IdentityFiles {
  batch: string;
}

export interface LocalPki {
  /** `${stateDir}/pki` */
  dir: string;
  caCertPem: string;
  caCertPath: string;
  /** SHA-256 fingerprint of the CA (`AB:CD:...`), to tell installations apart in logs. */
  caFingerprint256: string;
  /** Broker's TLS server certificate: CN localhost, SAN localhost, 127.0.0.1, ::1 and extras. */
  server: IdentityFiles;
  /** Client certificate for a thing: CN = thing name, which is also its MQTT client id. */
  deviceIdentity(thingName: string): Promise<ThingIdentity>;
  /** A new key and certificate for the thing in place of `unusableCertPem` (one revoked: it never
   * connects again), kept as its identity from then on; or the one another caller already put
   * there in its place. */
  renewDeviceIdentity(thingName: string, unusableCertPem: string): Promise<ThingIdentity>;
  /** Client certificate for a non-device participant (the server host, a Node dashboard client). */
  serviceIdentity(serviceName: string): Promise<ServiceIdentity>;
  /** A batch's provisioning claim certificate (`pki/claims/<batch>.crt`), made once and reused:
   * flashed on every board of the batch, it only lets them ask for their own identity. */
  claimIdentity(batch: string): Promise<ClaimIdentity>;
  /** A fresh key and thing certificate kept nowhere (fleet provisioning hands them to the device
   * that asked). The CN is an id, not a thing: the registry decides which thing it belongs to. */
  issueThingCertificate(commonName: string): { certPem: string; keyPem: string };
  /** Thing named by a certificate this CA issued, else undefined (see identityOf). */
  thingNameOf(certificate: CertificateInput | undefined): string | undefined;
  identityOf(certificate: CertificateInput | undefined): PeerIdentity | undefined;
}

export const DEFAULT_SERVER_HOSTNAMES: readonly string[] = ["localhost", "127.0.0.1", "::1"];
const DAY_MS = 24 * 60 * 60 * 1000;

export async function ensureLocalPki(stateDir: string, options: LocalPkiOptions = {}): Promise<LocalPki> {
  const dir = path.join(stateDir, "pki");
  const ca = await loadOrCreateCa(dir);
  const caCert = new X509Certificate(ca.certPem);
  const issuer = certificateIssuerFor(dir, ca);

  const hostnames = [...new Set([...DEFAULT_SERVER_HOSTNAMES, ...(options.serverHostnames ?? [])])];
  const server = await loadOrIssue(dir, "server", caCert, (work) => withLock(path.join(dir, "server.lock"), work), {
    fits: (cert) =>
      subjectIs(cert, SERVER_UNIT, "localhost") && hostnames.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined),
    issue: (publicKeyDer) =>
      issuer.issue({
        subject: { commonName: "localhost", organizationalUnit: SERVER_UNIT },
        publicKeyDer,
        usage: "server",
        altNames: hostnames.map(hostAltName),
      }),
  });

  // One in-flight issuance per name, so concurrent callers in this process share it.
  const pending = new Map<string, Promise<IdentityFiles>>();
  const folderLocks = new Map<ClientKind, Locked>();
  const clientIdentity = (kind: ClientKind, name: string, unusableCertPem?: string): Promise<IdentityFiles> => {
    const error = checkName(kind === "claim" ? "batch" : kind, name);
    if (error) {
      return Promise.reject(new Error(`cannot issue a ${kind === "thing" ? "device" : kind} certificate: ${error}`));
    }
    const key = `${kind}:${name}`;
    let identity = pending.get(key);
    if (!identity || unusableCertPem !== undefined) {
      const unit = CLIENT_UNITS[kind];
      const unusable = unusableCertPem === undefined ? undefined : new X509Certificate(unusableCertPem).fingerprint256;
      let locked = folderLocks.get(kind);
      if (!locked) folderLocks.set(kind, (locked = batchedLock(path.join(dir, `${CLIENT_FOLDERS[kind]}.lock`))));
      identity = loadOrIssue(dir, path.join(CLIENT_FOLDERS[kind], name), caCert, locked, {
        fits: (cert) => subjectIs(cert, unit, name) && cert.fingerprint256 !== unusable,
        issue: (publicKeyDer) => issuer.issue(clientRequest(kind, name, publicKeyDer)),
      });
      pending.set(key, identity);
      identity.catch(() => pending.delete(key));
    }
    return identity;
  };

  return {
    dir,
    caCertPem: ca.certPem,
    caCertPath: path.join(dir, "ca.crt"),
    caFingerprint256: caCert.fingerprint256,
    server,
    deviceIdentity: async (thingName) => ({ ...(await clientIdentity("thing", thingName)), thingName }),
    renewDeviceIdentity: async (thingName, unusableCertPem) => ({ ...(await clientIdentity("thing", thingName, unusableCertPem)), thingName }),
    serviceIdentity: async (serviceName) => ({ ...(await clientIdentity("service", serviceName)), serviceName }),
    claimIdentity: async (batch) => ({ ...(await clientIdentity("claim", batch)), batch }),
    issueThingCertificate: (commonName) => {
      const error = checkName("certificate", commonName);
      if (error) throw new Error(`cannot issue a device certificate: ${error}`);
      const keys = generateEcKeyPair();
      return { certPem: issuer.issue(clientRequest("thing", commonName, keys.publicKeyDer)), keyPem: keys.privateKeyPem };
    },
    thingNameOf: (certificate) => {
      const identity = identityOf(caCert, certificate);
      return identity?.kind === "thing" ? identity.thingName : undefined;
    },
    identityOf: (certificate) => identityOf(caCert, certificate),
  };
}

type ClientKind = "thing" | "service" | "claim";
const CLIENT_UNITS: Record<ClientKind, string> = { thing: THING_UNIT, service: SERVICE_UNIT, claim: CLAIM_UNIT };
const CLIENT_FOLDERS: Record<ClientKind, string> = { thing: "things", service: "services", claim: "claims" };
const CLIENT_URIS: Record<ClientKind, (name: string) => string> = { thing: thingUri, service: serviceUri, claim: claimUri };

function clientRequest(kind: ClientKind, name: string, publicKeyDer: Buffer): LeafRequest {
  return {
    subject: { commonName: name, organizationalUnit: CLIENT_UNITS[kind] },
    publicKeyDer,
    usage: "client",
    altNames: [{ uri: CLIENT_URIS[kind](name) }],
  };
}

/** The CA is never replaced silently: every certificate issued so far depends on it. */
async function loadOrCreateCa(dir: string): Promise<{ certPem: string; keyPem: string }> {
  const certPath = path.join(dir, "ca.crt");
  const keyPath = path.join(dir, "ca.key");
  const read = async () => {
    const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
    if (certPem === undefined && keyPem === undefined) return undefined;
    if (certPem === undefined || keyPem === undefined) {
      throw new Error(`local PKI in ${dir} is incomplete: ${certPem === undefined ? "ca.crt" : "ca.key"} is missing; ${startOver(dir)}`);
    }
    const cert = parse(certPem);
    if (!cert || !keyMatches(cert, keyPem)) throw new Error(`local PKI in ${dir}: ca.crt and ca.key don't belong together; ${startOver(dir)}`);
    if (new Date(cert.validTo).getTime() < Date.now()) throw new Error(`local PKI in ${dir}: the CA expired on ${cert.validTo}; ${startOver(dir)}`);
    await restrictMode(keyPath);
    return { certPem, keyPem };
  };
  const existing = await read();
  if (existing) return existing;
  return withLock(path.join(dir, "ca.lock"), async () => {
    const raced = await read();
    if (raced) return raced;
    const keys = generateEcKeyPair();
    const certPem = createCaCertificate(keys);
    // Key first: a reader that finds ca.crt also finds its key.
    await writeAtomically(keyPath, keys.privateKeyPem, PRIVATE_MODE);
    await writeAtomically(certPath, certPem, PUBLIC_MODE);
    return { certPem, keyPem: keys.privateKeyPem };
  });
}

const startOver = (dir: string) => `delete ${dir} to start over (every device certificate is then reissued)`;

/** A CA key of a kind the PKI can't sign with (say, one a user put there) is reported, not used. */
function certificateIssuerFor(dir: string, ca: { certPem: string; keyPem: string }) {
  try {
    return certificateIssuer(ca);
  } catch (error) {
    throw new Error(`local PKI in ${dir}: ${(error as Error).message}; ${startOver(dir)}`);
  }
}

interface IssuePlan {
  /** Does an existing certificate say what a fresh one would? (subject, host names) */
  fits(cert: X509Certificate): boolean;
  issue(publicKeyDer: Buffer): string;
}

/** Runs `work` holding the lock for a pair's files. */
type Locked = <T>(work: () => Promise<T>) => Promise<T>;

/** Most pairs issued under one hold of a folder's lock: about 2-6 ms each, so another process
 * waiting for the lock is kept well under STALE_LOCK_MS (files.ts). */
const MAX_BATCH = 200;

/** One lock for a folder of identities, taken once for the pairs asked for in the same event-loop
 * turn (issued side by side while it is held). A lock is a directory made and removed: on this
 * machine's ext4 each was an inode allocated and freed, and a 1,000-device first start took one
 * per device. A failed lock fails every pair waiting for it. */
function batchedLock(lock: string): Locked {
  let queue: { work: () => Promise<void>; fail: (error: unknown) => void }[] = [];
  let draining = false;
  const drain = async () => {
    while (queue.length) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      await withLock(lock, () => Promise.all(batch.map((item) => item.work()))).catch((error: unknown) => batch.forEach((item) => item.fail(error)));
    }
    draining = false;
  };
  return <T>(work: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work: () => work().then(resolve, reject), fail: reject });
      if (!draining) {
        draining = true;
        setImmediate(() => void drain());
      }
    });
}

/** Reuses `${base}.crt/.key` when they are still good, otherwise issues a new pair under the lock. */
async function loadOrIssue(dir: string, base: string, ca: X509Certificate, locked: Locked, plan: IssuePlan): Promise<IdentityFiles> {
  const certPath = path.join(dir, `${base}.crt`);
  const keyPath = path.join(dir, `${base}.key`);
  const read = async (): Promise<IdentityFiles | undefined> => {
    // The key is written before the certificate, so without a certificate there is nothing to
    // read: a first run looks for one file, not two.
    const certPem = await readIfExists(certPath);
    const keyPem = certPem === undefined ? undefined : await readIfExists(keyPath);
    if (certPem === undefined || keyPem === undefined) return undefined;
    return stillGood(ca, certPem, keyPem, plan) ? { certPem, keyPem, certPath, keyPath } : undefined;
  };
  const existing = await read();
  if (existing) return existing;
  return locked(async () => {
    const raced = await read();
    if (raced) return raced;
    const keys = generateEcKeyPair();
    const certPem = plan.issue(keys.publicKeyDer);
    // A reader catching the new key next to the old certificate sees them mismatch and comes
    // here, where it waits for this lock and then finds the finished pair.
    // A reader finding either file half written sees a pair that doesn't verify and waits here too.
    await createOrReplace(keyPath, keys.privateKeyPem, PRIVATE_MODE);
    await createOrReplace(certPath, certPem, PUBLIC_MODE);
    return { certPem, keyPem: keys.privateKeyPem, certPath, keyPath };
  });
}

/** Reissue when the CA changed, the pair doesn't match, the subject or host names changed, or the
 * certificate is about to expire. */
function stillGood(ca: X509Certificate, certPem: string, keyPem: string, plan: IssuePlan): boolean {
  const cert = parse(certPem);
  if (!cert || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  if (new Date(cert.validTo).getTime() - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return false;
  return keyMatches(cert, keyPem) && plan.fits(cert);
}

function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function subjectIs(cert: X509Certificate, unit: string, commonName: string): boolean {
  return cert.subject.split("\n").includes(`OU=${unit}`) && cert.subject.split("\n").includes(`CN=${commonName}`);
}

/** A CA key someone made world-readable is tightened again rather than trusted as is. */
async function restrictMode(file: string): Promise<void> {
  const { mode } = await fs.stat(file);
  if ((mode & 0o077) !== 0) await fs.chmod(file, PRIVATE_MODE);
}
