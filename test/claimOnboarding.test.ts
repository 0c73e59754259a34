/** Onboarding by claim through the whole local cloud (`snapfleet dev`'s LocalCloud, staged
 * rollouts on): a simulated device boots with its batch's claim, waits as pending, is approved by
 * the operator, then installs the fleet's version over the air and runs it under its own
 * certificate. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import { startClaimedDevice } from "../firmware/provisioning/claimedDevice";
import type { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

describe("onboarding by claim in the local cloud (claim → pending → approve → OTA → running)", function () {
  this.timeout(60_000);
  let stateDir: string;
  let cloud: LocalCloud;
  let v1: CompileResult;
  let device: SimulatedDevice | undefined;

  before(async () => {
    v1 = await compileFeatures({
      entry: writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const beat = api.newCommsChannel<number>("beat", { direction: "device-to-server" });\n  api.mcu.setInterval(() => beat.pushMessageToServer(7), 100);\n}\n` }, "claim-app"),
    });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-claim-cloud-"));
    cloud = await LocalCloud.start({ stateDir, build: v1, port: 0, dashboardBundleDir: null, ota: { stages: [{ percent: 50, waitMinutes: 0 }, { percent: 100 }] } });
  });

  after(async () => {
    await device?.stop().catch(() => {});
    await cloud?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("joins the fleet only after approval, then runs the fleet's version", async () => {
    const { jobId } = await cloud.deploy(v1);
    const claim = await cloud.broker.pki.claimIdentity("batch-1");
    const lines: string[] = [];
    const booting = startClaimedDevice({
      app: cloud.app,
      serial: "gh-100",
      claim,
      stateDir: path.join(stateDir, "devices", "gh-100"),
      endpoint: "127.0.0.1",
      port: cloud.broker.mqttsPort,
      caCertPem: cloud.broker.caCertPem,
      engine: await loadWasmEngine(),
      gracePeriodMs: 300,
      retry: { initialMs: 100, maxMs: 300 },
      onLog: (l) => lines.push(l),
    });
    await waitFor("the board listed as pending", () => cloud.approvals.get("gh-100")?.state === "pending");
    assert.deepEqual(cloud.monitor.devices().map((d) => d.thing), [], "not in the fleet before approval");
    cloud.approvals.approve("gh-100");
    device = await booting;
    assert.equal(device.thing, "gh-100");
    await waitFor("the OTA job to succeed", () => cloud.jobs.book.job(jobId!)?.executions.get("gh-100")?.status === "SUCCEEDED");
    await waitFor("the app's messages", () => cloud.monitor.devices().find((d) => d.thing === "gh-100")?.lastMessage === "beat = 7");
    const row = cloud.monitor.devices().find((d) => d.thing === "gh-100")!;
    assert.equal(row.online, true);
    assert.equal(row.version, v1.manifest.version);
    assert.ok(lines.some((l) => /provisioned by claim as "gh-100"/.test(l)), lines.join("\n"));
    assert.equal(cloud.rollouts?.state()?.state, "complete");
  });
});
