/** Setting round trip (issue 15): the dashboard sets a desired value on the settings shadow → the
 * shadow service publishes the delta → the device applies it (its "change" listener runs) and
 * reports → the dashboard gets `update/documents` with the reported value. Real parts: the local
 * cloud (broker over mutual TLS and WebSocket, the shadow service on the local database), the
 * device's supervisor and VM on aws-iot-device-sdk-v2, and mqtt.js over WebSocket with a dashboard
 * operator token (only operators may change settings) standing in for the page (the Chromium path adds the page's own cost; see the dashboard
 * bench). Baseline in the same run: a shadow `get` round trip from the same client (broker and
 * shadow service, no device). Goal: round trip p99 ≤ 100 ms locally. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type mqtt from "mqtt";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import { settingsShadowName } from "../core/settings/settingDecl";
import { shadowTopics } from "../core/shadow/shadowTopics";
import { LocalCloud } from "../local/cloud";
import { percentile } from "../test/support/measurements";
import { MqttDevice } from "../web/testSupport/mqttDevice";
import { connectDashboard } from "../test/support/dashboardClient";

const ROUND_TRIPS = Number(process.env.SETTINGS_BENCH_ROUND_TRIPS ?? 300);
const THING = "bench-1";

function summary(samples: number[]): { p50: number; p99: number } {
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-settings-bench-"));
  const source = path.join(dir, "thermo", "features");
  fs.mkdirSync(source, { recursive: true });
  fs.writeFileSync(
    path.join(source, "app.ts"),
    `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  const heater = api.mcu.getDigitalPin("D6");
  setpoint.addEventListener("change", (v) => heater.write(v > 25));
}
`,
  );
  const [engine, build] = await Promise.all([loadWasmEngine(), compileFeatures({ entry: path.join(source, "app.ts") })]);
  const cloud = await LocalCloud.start({ stateDir: path.join(dir, "state"), build, port: 0, dashboardBundleDir: null });
  let device: MqttDevice | undefined;
  let client: mqtt.MqttClient | undefined;
  try {
    device = await MqttDevice.connect({ broker: cloud.broker, manifest: build.manifest, snapshot: build.snapshots.device, thing: THING, engine });
    client = await connectDashboard(cloud.broker, { clientId: `sf-${build.manifest.app}-dashboard-bench`, password: cloud.broker.issueDashboardToken(undefined, "operator") });
    const shadow = settingsShadowName(build.manifest.app);
    const waiting = new Map<string, (at: number) => void>();
    client.on("message", (topic, payload) => {
      const at = performance.now();
      const body = JSON.parse(payload.toString()) as { current?: { state?: { reported?: { setpoint?: number } } }; clientToken?: string };
      const key = topic.endsWith("/update/documents") ? `reported:${body.current?.state?.reported?.setpoint}` : `token:${body.clientToken}`;
      waiting.get(key)?.(at);
    });
    await client.subscribeAsync([shadowTopics.response(THING, shadow, "update", "documents"), shadowTopics.response(THING, shadow, "get", "accepted"), shadowTopics.response(THING, shadow, "get", "rejected")], { qos: 1 });
    const wait = (key: string) => new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${key} within 5 s`)), 5000);
      waiting.set(key, (at) => {
        clearTimeout(timer);
        waiting.delete(key);
        resolve(at);
      });
    });
    // The device has reported its first values once its shadow exists.
    const deadline = Date.now() + 10_000;
    while (!cloud.shadows.store.get(THING, shadow)?.reported && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const roundTrips: number[] = [];
    const gets: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const value = 5 + ((i * 7) % 300) / 10; // 5..34.9, never the same twice in a row
      const reported = wait(`reported:${value}`);
      const start = performance.now();
      client.publish(shadowTopics.request(THING, shadow, "update"), JSON.stringify({ state: { desired: { setpoint: value } }, clientToken: `s${i}` }), { qos: 1 });
      roundTrips.push((await reported) - start);
      const token = `g${i}`;
      const answered = wait(`token:${token}`);
      const getStart = performance.now();
      client.publish(shadowTopics.request(THING, shadow, "get"), JSON.stringify({ clientToken: token }), { qos: 1 });
      gets.push((await answered) - getStart);
    }
    if (device.device.supervisor.settings?.values.setpoint !== 5 + (((ROUND_TRIPS - 1) * 7) % 300) / 10) throw new Error("the device did not end on the last value set");
    const trip = summary(roundTrips.slice(10)); // the first few warm up the JIT and TLS
    const get = summary(gets.slice(10));
    const fmt = (n: number) => n.toFixed(2);
    console.log(`setting round trip (dashboard set → device applied → reported on the dashboard), ${ROUND_TRIPS - 10} measured: p50 ${fmt(trip.p50)} ms, p99 ${fmt(trip.p99)} ms (goal p99 ≤ 100 ms: ${trip.p99 <= 100 ? "met" : "not met"})`);
    console.log(`baseline, same run: shadow get round trip (broker + shadow service, no device): p50 ${fmt(get.p50)} ms, p99 ${fmt(get.p99)} ms; the round trip is ×${fmt(trip.p50 / get.p50)} at p50, ×${fmt(trip.p99 / get.p99)} at p99`);
  } finally {
    // Forced: a client the broker has disconnected would wait forever for a clean end.
    await client?.endAsync(true).catch(() => {});
    await device?.stop().catch(() => {});
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
