/** Onboarding by claim: what it costs a board to get its identity (claim connection over mutual
 * TLS, CreateKeysAndCertificate, RegisterThing with the approval check, the thing registered), one
 * board after another and a batch at once, against issuing the same identity directly
 * (`broker.provisionDevice`, what `fleet.devices` / `snapfleet dev` do) in the same run. Wall time
 * per board (the machine is shared: compare the ratio, not the milliseconds). Staged-rollout
 * decisions are pure functions; their cost is printed too (decisions per second over a fleet). */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { decideRollout, stageOfThing } from "../core/jobs/stagedRollout";
import { identityByClaim } from "../firmware/provisioning/claimProvisioning";
import { LocalBroker } from "../local/broker";
import { openMemoryDatabase } from "../local/database/localDatabase";
import { ApprovalStore, FleetProvisioningService } from "../local/provisioning";
import { channelManifest } from "../test/support/channelManifest";

const SEQUENTIAL = 20;
const BATCH = 50;

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
