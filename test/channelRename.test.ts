/** A channel renamed while devices run (on the real broker, with the device SDK's jobs client):
 * devices still on the old build keep publishing on the old channel until they install the new
 * one, so they must not lose its rights (and be disconnected at each publish) before then. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import type { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";
import { startCloudDevice } from "./support/cloudDevice";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const app = (channel: string, value: number) =>
  `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const c = api.newCommsChannel<number>("${channel}", { qos: 0 });\n  api.mcu.setInterval(() => c.pushMessageToServer(${value}), 100);\n}\n`;

describe("a channel renamed while devices run the old build", function () {
  this.timeout(60_000);
  let engine: MicroviumEngine;
  let v1: CompileResult, v2: CompileResult;
  let stateDir: string;
  let cloud: LocalCloud | undefined;
  const devices: SimulatedDevice[] = [];
  const logs: string[] = [];

  before(async () => {
    engine = await loadWasmEngine();
    v1 = await compileFeatures({ entry: writeFeatures({ "app.ts": app("temperature", 1) }, "rename-app") });
    v2 = await compileFeatures({ entry: writeFeatures({ "app.ts": app("temp", 2) }, "rename-app") });
  });
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-rename-"));
    logs.length = 0;
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.stop().catch(() => {});
    await cloud?.stop();
    cloud = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const start = async (build: CompileResult) => (cloud = await LocalCloud.start({ stateDir, build, port: 0, dashboardBundleDir: null, log: (l) => logs.push(l) }));
  const startDevice = async (thing: string) => devices.push(await startCloudDevice(cloud!, thing, stateDir, { engine, gracePeriodMs: 300 }));
  const lastMessage = (thing: string) => cloud!.monitor.devices().find((d) => d.thing === thing)?.lastMessage;
  // Neither a publish (which closes the connection) nor a subscription of the old build refused.
  const refusals = () => logs.filter((l) => /refused iot:/.test(l));

  it("in the same run: the devices install the renamed build without being disconnected for the old channel", async () => {
    await start(v1);
    await cloud!.deploy(v1);
    await startDevice("gh-1");
    await startDevice("gh-2");
    await waitFor("v1 running", () => lastMessage("gh-1") === "temperature = 1" && lastMessage("gh-2") === "temperature = 1");
    const { jobId } = await cloud!.deploy(v2);
    const done = (thing: string) => cloud!.jobs.book.job(jobId!)?.executions.get(thing)?.status === "SUCCEEDED";
    await waitFor("v2 installed and sending on the renamed channel", () => ["gh-1", "gh-2"].every((t) => done(t) && lastMessage(t) === "temp = 2"), 30_000);
    assert.deepEqual(refusals(), []);
  });

  it("across runs: a device that still runs the last run's build installs the renamed one", async () => {
    await start(v1);
    await cloud!.deploy(v1);
    await startDevice("gh-1");
    await waitFor("v1 running", () => lastMessage("gh-1") === "temperature = 1");
    for (const d of devices.splice(0)) await d.stop();
    await cloud!.stop();

    await start(v2);
    const { jobId } = await cloud!.deploy(v2);
    await startDevice("gh-1");
    const done = () => cloud!.jobs.book.job(jobId!)?.executions.get("gh-1")?.status === "SUCCEEDED";
    await waitFor("v2 installed and sending on the renamed channel", () => done() && lastMessage("gh-1") === "temp = 2", 30_000);
    assert.deepEqual(refusals(), []);
  });
});
