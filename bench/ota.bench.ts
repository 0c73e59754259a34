/** OTA rollout time on the local cloud: job created → every device SUCCEEDED, for fleets of 10
 * and 100 simulated devices in one process. Each device is a real aws-iot-device-sdk-v2 mutual
 * TLS connection running the SDK's iotjobs client, downloads its package over HTTPS with a
 * signed URL, checks size and sha256, stages it in a slot, boots it on the WASM engine and
 * watches it for the grace period. The grace period is part of the figure (the job can't
 * succeed before it ends), so it is printed beside it; the baseline is the same rollout with
 * a grace period of 0. Goal: 100 devices in ≤ 3 s. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";

const GRACE_MS = 1000;

async function rollout(deviceCount: number, graceMs: number): Promise<{ connectMs: number; rolloutMs: number }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sf-ota-bench-"));
  const features = path.join(root, "ota-bench", "features");
  fs.mkdirSync(features, { recursive: true });
  fs.writeFileSync(
    path.join(features, "app.ts"),
    `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const t = api.newCommsChannel<number>("t", { qos: 0 });\n  const pin = api.mcu.getAnalogPin("A2");\n  api.mcu.setInterval(() => t.pushMessageToServer(pin.read()), 1000);\n}\n`,
  );
  const build = await compileFeatures({ entry: path.join(features, "app.ts") });
  const engine = await loadWasmEngine();
  const cloud = await LocalCloud.start({ stateDir: root, build, port: 0, dashboardBundleDir: null });
  const devices: SimulatedDevice[] = [];
  try {
    const connectStart = performance.now();
    await Promise.all(
      Array.from({ length: deviceCount }, async (_, i) => {
        const thing = `d-${i + 1}`;
        const identity = await cloud.broker.provisionDevice(thing);
        devices.push(
          await SimulatedDevice.start({ app: cloud.app, thing, stateDir: path.join(root, "devices", thing), endpoint: "127.0.0.1", port: cloud.broker.mqttsPort, caCertPem: cloud.broker.caCertPem, certPem: identity.certPem, keyPem: identity.keyPem, engine, gracePeriodMs: graceMs }),
        );
        cloud.addDevice(thing);
      }),
    );
    const connectMs = performance.now() - connectStart;
    const started = performance.now();
    const { jobId } = await cloud.deploy(build);
    const job = () => cloud.jobs.book.job(jobId!)!;
    while ([...job().executions.values()].filter((e) => e.status === "SUCCEEDED").length < deviceCount) {
      const failed = [...job().executions.values()].find((e) => e.status === "FAILED");
      if (failed) throw new Error(`${failed.thingName} failed: ${failed.statusDetails.reason}`);
      if (performance.now() - started > 60_000) throw new Error("rollout did not finish in 60 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    return { connectMs, rolloutMs: performance.now() - started };
  } finally {
    await Promise.all(devices.map((d) => d.stop().catch(() => {})));
    await cloud.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log("OTA rollout on the local cloud (job created → every device SUCCEEDED)");
  for (const count of [10, 100]) {
    const base = await rollout(count, 0);
    const real = await rollout(count, GRACE_MS);
    console.log(
      `  ${String(count).padStart(3)} devices: ${Math.round(real.rolloutMs)} ms with a ${GRACE_MS} ms grace period ` +
        `(${Math.round(real.rolloutMs - GRACE_MS)} ms beyond it); baseline without grace period ${Math.round(base.rolloutMs)} ms; ` +
        `connecting the fleet took ${Math.round(real.connectMs)} ms  (goal for 100: ≤ 3000 ms)`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
