/** Certificate issuance per device on the local PKI: what `pki.deviceIdentity(thing)` costs the
 * first time (EC P-256 key from Node's crypto, certificate built with PKI.js, signed by the CA,
 * key and certificate written to the state dir under their folder's lock), one device after
 * another and a fleet at once, and what reusing the files costs on a later run. Wall time and
 * this process's CPU time (the machine is shared; CPU time is the steadier figure).
 * Goal: ≤ 5 ms per certificate. */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ensureLocalPki, type LocalPki } from "../local/certificates";
import { certificateIssuer } from "../local/certificates/issue";
import { generateEcKeyPair } from "../local/certificates/keys";
import { THING_UNIT } from "../local/certificates/subjects";

const SEQUENTIAL = 200;
const FLEET = 1000;
const RSA_KEYS = 10;

interface PerItem {
  wallMs: number;
  cpuMs: number;
}

async function measure(count: number, run: () => Promise<unknown>): Promise<PerItem> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs: wall / count, cpuMs: (used.user + used.system) / 1000 / count };
}

const things = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

async function main(): Promise<void> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-cert-bench-"));
  try {
    const caStart = performance.now();
    const pki: LocalPki = await ensureLocalPki(stateDir);
    const caMs = performance.now() - caStart;
    await Promise.all(things("warm", 20).map((t) => pki.deviceIdentity(t)));

    const oneByOne = await measure(SEQUENTIAL, async () => {
      for (const thing of things("seq", SEQUENTIAL)) await pki.deviceIdentity(thing);
    });
    const fleet = await measure(FLEET, () => Promise.all(things("fleet", FLEET).map((t) => pki.deviceIdentity(t))));
    const laterRun = await ensureLocalPki(stateDir);
    const reuse = await measure(FLEET, () => Promise.all(things("fleet", FLEET).map((t) => laterRun.deviceIdentity(t))));
    // The key and the certificate alone, without the files and locks around them.
    const issuer = certificateIssuer({ certPem: pki.caCertPem, keyPem: await readFile(path.join(pki.dir, "ca.key"), "utf8") });
    const inMemory = await measure(SEQUENTIAL, async () => {
      for (const thing of things("mem", SEQUENTIAL)) {
        const keys = generateEcKeyPair();
        issuer.issue({ subject: { commonName: thing, organizationalUnit: THING_UNIT }, publicKeyDer: keys.publicKeyDer, usage: "client", altNames: [{ uri: thing }] });
      }
    });
    const rsa = await measure(RSA_KEYS, async () => {
      for (let i = 0; i < RSA_KEYS; i++) generateKeyPairSync("rsa", { modulusLength: 2048 });
    });

    const fmt = (figure: PerItem) => `${figure.wallMs.toFixed(2)} ms wall, ${figure.cpuMs.toFixed(2)} ms CPU`;
    console.log("Certificate issuance per device, local PKI (EC P-256, PKI.js)");
    console.log(`  one device after another (${SEQUENTIAL}): ${fmt(oneByOne)} per certificate  (goal ≤ 5 ms)`);
    console.log(`  ${FLEET} devices at once: ${fmt(fleet)} per certificate (${Math.round(fleet.wallMs * FLEET)} ms for the fleet)`);
    console.log(`  of which key + certificate in memory (no files, no lock): ${fmt(inMemory)}`);
    console.log(`  later run, reusing the ${FLEET} certificates: ${fmt(reuse)} per device`);
    console.log(`  CA + server certificate on an empty state dir: ${Math.round(caMs)} ms`);
    console.log(
      `  for scale, same run: an RSA-2048 key pair alone (the key every certificate used to get) ${fmt(rsa)}; ` +
        `a whole EC certificate one after another costs ×${(oneByOne.cpuMs / rsa.cpuMs).toFixed(3)} of its CPU time`,
    );
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
