/** Staged rollouts in the local cloud, on a fake clock: the real broker and Jobs service, devices
 * speaking the Jobs MQTT API over mutual TLS (mqtt.js), and the clock moved by the test. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { checkStages, stageOfThing } from "../../core/jobs/stagedRollout";
import { LocalBroker } from "../broker";
import { channelManifest } from "../../test/support/channelManifest";
import { waitFor } from "../../test/support/waitFor";
import { JobsService } from "./jobsService";
import { StagedRollouts } from "./stagedRollouts";
import { LocalCloud } from "../cloud";
import type { BuildOutput } from "../../core/contracts/buildOutput";

const STAGES = checkStages([{ percent: 10, waitMinutes: 30 }, { percent: 50, waitMinutes: 30 }, { percent: 100 }], "test");
const MIN = 60_000;
const document = { operation: "snapfleet.install", version: "v" };

/** Thing names with exactly `sizes[k]` devices in stage k (membership is a hash: pick names until full). */
function fleetWithStages(sizes: number[]): string[][] {
  const byStage: string[][] = sizes.map(() => []);
  for (let i = 0; byStage.some((s, k) => s.length < sizes[k]); i++) {
    const thing = `gh-${i}`;
    const k = stageOfThing(thing, STAGES);
    if (byStage[k].length < sizes[k]) byStage[k].push(thing);
  }
  return byStage;
}

describe("staged rollouts in the local cloud (fake clock)", function () {
  this.timeout(60_000);
  let stateDir: string;
  let broker: LocalBroker;
  let jobs: JobsService;
  let rollouts: StagedRollouts;
  let clock = Date.UTC(2026, 0, 1);
  const lines: string[] = [];
  const devices = new Map<string, { client: MqttClient; answers: Map<string, Record<string, unknown>> }>();
  const [canaries, middle, rest] = fleetWithStages([3, 6, 6]);

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-staged-"));
    broker = await LocalBroker.start({ stateDir, app: "grow", manifest: channelManifest("grow", []) });
    jobs = await JobsService.start({ aedes: broker.aedes, now: () => clock });
    rollouts = new StagedRollouts({ jobs, thingGroup: "grow-fleet", policy: { stages: STAGES, abortFailurePercent: 20, minExecutedForAbort: 10 }, now: () => clock, log: (l) => lines.push(l) });
    for (const thing of [...canaries, ...middle, ...rest]) {
      const identity = await broker.provisionDevice(thing);
      const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.mqttsPort}`, { clientId: thing, protocolVersion: 4, ca: broker.caCertPem, cert: identity.certPem, key: identity.keyPem, reconnectPeriod: 0 });
      const answers = new Map<string, Record<string, unknown>>();
      client.on("message", (_topic, payload) => {
        const body = JSON.parse(payload.toString()) as Record<string, unknown>;
        if (typeof body.clientToken === "string") answers.set(body.clientToken, body);
      });
      await client.subscribeAsync([`$aws/things/${thing}/jobs/+/accepted`, `$aws/things/${thing}/jobs/+/rejected`, `$aws/things/${thing}/jobs/+/+/accepted`, `$aws/things/${thing}/jobs/+/+/rejected`], { qos: 1 });
      devices.set(thing, { client, answers });
      rollouts.addDevice(thing);
    }
  });

  after(async () => {
    rollouts?.stop();
    await Promise.all([...devices.values()].map((d) => d.client.endAsync(true)));
    await jobs?.stop();
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  let tokens = 0;
  async function request(thing: string, suffix: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const device = devices.get(thing)!;
    const clientToken = `t${++tokens}`;
    await device.client.publishAsync(`$aws/things/${thing}/jobs/${suffix}`, JSON.stringify({ ...body, clientToken }), { qos: 1 });
    await waitFor(`an answer to ${thing}'s ${suffix}`, () => device.answers.has(clientToken));
    return device.answers.get(clientToken)!;
  }

  /** What the device's start-next gives it: the job id, or undefined when nothing is pending. */
  async function startNext(thing: string): Promise<string | undefined> {
    const answer = await request(thing, "start-next");
    return (answer.execution as { jobId?: string } | undefined)?.jobId;
  }

  async function install(thing: string, jobId: string, outcome: "SUCCEEDED" | "FAILED"): Promise<void> {
    assert.equal(await startNext(thing), jobId, `${thing} should be offered ${jobId}`);
    const answer = await request(thing, `${jobId}/update`, { status: outcome, statusDetails: { step: "done" } });
    assert.equal(answer.code, undefined, JSON.stringify(answer));
  }

  it("reaches each stage's devices only after the stage before waited its minutes, then the whole fleet", async () => {
    const start = clock;
    rollouts.start({ jobId: "grow-v1", document, maximumPerMinute: 1000 });
    for (const thing of canaries) await install(thing, "grow-v1", "SUCCEEDED");
    for (const thing of [...middle, ...rest]) assert.equal(await startNext(thing), undefined, `${thing} is not a canary`);

    clock = start + 29 * MIN;
    rollouts.evaluate();
    assert.equal(await startNext(middle[0]), undefined, "stage 2 must wait 30 minutes");
    clock = start + 30 * MIN;
    rollouts.evaluate();
    assert.equal(rollouts.state()?.stage, 1);
    for (const thing of middle) await install(thing, "grow-v1", "SUCCEEDED");
    assert.equal(await startNext(rest[0]), undefined, "stage 3 waits for stage 2's 30 minutes");

    clock = start + 60 * MIN;
    rollouts.evaluate();
    for (const thing of rest) await install(thing, "grow-v1", "SUCCEEDED");
    assert.equal(rollouts.state()?.state, "complete");
    assert.equal(jobs.book.executionCounts("grow-v1").SUCCEEDED, canaries.length + middle.length + rest.length);
    assert.ok(lines.some((l) => /grow-v1 stage 2 of 3 \(50%\)/.test(l)), lines.join("\n"));
  });

  it("halts by itself when the canaries' failure share reaches the threshold: the job is cancelled with the reason and later stages never get it", async () => {
    const start = clock;
    rollouts.start({ jobId: "grow-v2", document, maximumPerMinute: 1000 });
    assert.equal(jobs.book.job("grow-v1")?.reasonCode, "SUPERSEDED");
    await install(canaries[0], "grow-v2", "FAILED");
    // One of one executed, but the canary has three devices: judged once all three executed.
    assert.equal(rollouts.state()?.state, "rolling");
    await install(canaries[1], "grow-v2", "SUCCEEDED");
    await install(canaries[2], "grow-v2", "SUCCEEDED");
    // 1 of 3 failed (33 % ≥ 20 %): halted at once, without waiting for the clock.
    await waitFor("the rollout to halt", () => rollouts.state()?.state === "halted");
    const job = jobs.book.job("grow-v2")!;
    assert.equal(job.status, "CANCELED");
    assert.equal(job.reasonCode, "STAGE_FAILURE_THRESHOLD");
    assert.match(job.comment ?? "", /halted at stage 1 of 3 \(10% of the fleet\): 1 of 3 executed devices failed/);

    clock = start + 3 * 60 * MIN;
    rollouts.evaluate();
    for (const thing of [...middle, ...rest]) assert.equal(await startNext(thing), undefined, `${thing} must not get a halted version`);
    assert.equal(rollouts.state()?.stage, 0);
  });

  it("the local cloud refuses bad stages before anything listens, naming each problem", async () => {
    const build = { manifest: channelManifest("grow", []) } as unknown as BuildOutput;
    await assert.rejects(
      LocalCloud.start({ stateDir: path.join(stateDir, "bad"), build, port: 0, dashboardBundleDir: null, ota: { stages: [{ percent: 60, waitMinutes: 5 }, { percent: 50 }] } }),
      /^Error: LocalCloud: invalid ota\.stages:\n {2}- ota\.stages\[1\]\.percent is 50, not more than the stage before it \(60\)/,
    );
  });
});
