/** Onboarding by claim: what it costs a board to get its identity (claim connection over mutual
 * TLS, CreateKeysAndCertificate, RegisterThing with the approval check, the thing registered), one
 * board after another and a batch at once, against issuing the same identity directly
 * (`broker.provisionDevice`, what `fleet.devices` / `snapfleet dev` do) in the same run; and the
 * native board (`snapfleet-device connect` with a claim): process start to online as its own
 * thing, and its peak and resident memory, against the same program started with an identity
 * issued directly (build it first: `snapfleet firmware build --target posix`). Wall time
 * per board (the machine is shared: compare the ratio, not the milliseconds). Staged-rollout
 * decisions are pure functions; their cost is printed too (decisions per second over a fleet). */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { decideRollout, stageOfThing } from "../core/jobs/stagedRollout";
import { NativeDevice } from "../firmware/native/nativeDevice";
import { identityByClaim } from "../firmware/provisioning/claimProvisioning";
import { LocalBroker } from "../local/broker";
import { openMemoryDatabase } from "../local/database/localDatabase";
import { ApprovalStore, FleetProvisioningService } from "../local/provisioning";
import { channelManifest } from "../test/support/channelManifest";
import { median } from "../test/support/measurements";
import { nativeDeviceBinary } from "../test/support/nativeFleet";
import { statusKb } from "../test/support/processInfo";

const SEQUENTIAL = 20;
const BATCH = 50;
const NATIVE = 5;

async function main(): Promise<void> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-claim-bench-"));
  const broker = await LocalBroker.start({ stateDir, app: "bench", manifest: channelManifest("bench", []) });
  const approvals = new ApprovalStore(openMemoryDatabase());
  const service = FleetProvisioningService.start({ app: "bench", aedes: broker.aedes, pki: broker.pki, registry: broker.registry, approvals });
  try {
    const claim = await broker.pki.claimIdentity("bench-batch");
    const board = (serial: string) => {
      approvals.approve(serial);
      return identityByClaim({ app: "bench", serial, endpoint: "127.0.0.1", port: broker.mqttsPort, caCertPem: broker.caCertPem, claimCertPem: claim.certPem, claimKeyPem: claim.keyPem, stateDir: path.join(stateDir, "boards", serial) });
    };
    await board("warm-1");
    let start = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) await broker.provisionDevice(`direct-${i}`);
    const direct = (performance.now() - start) / SEQUENTIAL;
    start = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) await board(`seq-${i}`);
    const oneByOne = (performance.now() - start) / SEQUENTIAL;
    start = performance.now();
    await Promise.all(Array.from({ length: BATCH }, (_, i) => board(`batch-${i}`)));
    const batch = (performance.now() - start) / BATCH;
    console.log(`claim → own identity, one board after another: ${oneByOne.toFixed(1)} ms per board (direct issuance, same run: ${direct.toFixed(1)} ms; ×${(oneByOne / direct).toFixed(1)})`);
    console.log(`claim → own identity, ${BATCH} boards at once: ${batch.toFixed(1)} ms per board`);

    // The native board: one process per board, one after another, started → online as its thing.
    const binary = await nativeDeviceBinary();
    const native = async (serial: string, byClaim: boolean) => {
      const common = { binary, app: "bench", stateDir: path.join(stateDir, "native", serial), endpoint: "127.0.0.1", port: broker.mqttsPort, caPath: broker.pki.caCertPath, connectTimeoutMs: 60_000 };
      let identity: { certPath: string; keyPath: string } | undefined;
      if (byClaim) approvals.approve(serial);
      const began = performance.now();
      if (!byClaim) identity = await broker.provisionDevice(serial);
      const device = await NativeDevice.start(byClaim ? { ...common, claim: { serial, certPath: claim.certPath, keyPath: claim.keyPath } } : { ...common, thing: serial, ...identity! });
      const ms = performance.now() - began;
      const kb = statusKb(device.pid, ["VmHWM", "VmRSS"] as const);
      await device.stop();
      return { ms, ...kb };
    };
    const runs = { claim: [] as { ms: number; VmHWM: number; VmRSS: number }[], direct: [] as { ms: number; VmHWM: number; VmRSS: number }[] };
    for (let i = 0; i < NATIVE; i++) {
      runs.direct.push(await native(`native-direct-${i}`, false));
      runs.claim.push(await native(`native-claim-${i}`, true));
    }
    const describe = (r: typeof runs.claim) => `${median(r.map((x) => x.ms)).toFixed(0)} ms, peak ${median(r.map((x) => x.VmHWM))} kB, resident ${median(r.map((x) => x.VmRSS))} kB`;
    console.log(`native board, started → online as its thing (median of ${NATIVE}, approved beforehand): by claim ${describe(runs.claim)}; identity issued directly ${describe(runs.direct)}`);

    const stages = [{ percent: 5, waitMinutes: 30 }, { percent: 50, waitMinutes: 30 }, { percent: 100 }];
    const things = Array.from({ length: 100_000 }, (_, i) => `dev-${i}`);
    start = performance.now();
    for (const t of things) stageOfThing(t, stages);
    const perThing = ((performance.now() - start) * 1000) / things.length;
    start = performance.now();
    for (let i = 0; i < 100_000; i++) decideRollout({ stages, abortFailurePercent: 20, minExecutedForAbort: 10 }, { stage: 1, stageStartedAt: 0, counts: { queued: 10, inProgress: 5, succeeded: 900, failed: i % 50, rejected: 0, timedOut: 0 } }, 60_000 * 10);
    const perDecision = ((performance.now() - start) * 1000) / 100_000;
    console.log(`staged rollouts: stage of a device ${perThing.toFixed(2)} µs (100,000 names), one rollout decision ${perDecision.toFixed(2)} µs`);
  } finally {
    service.stop();
    await broker.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

void main();
