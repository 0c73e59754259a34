/** `npm run test:slow`: `snapfleet dev --devices 1000` as DevSession runs it (FLEET_DEVICES
 * changes the size): every device online and running the deployed version, then updated by an
 * OTA job, then stopped cleanly (every app said offline, every shared thread ended), with the
 * process's memory bounded far below what a thread per app would take. No timing assertion: how
 * fast depends on the machine (bench/fleet.bench.ts measures it). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession, DEVICES_PER_HOST } from "../../cli/devSession";
import { isRunning, residentBytesOf } from "../support/processInfo";
import { writeFeatures } from "../support/tempFeatures";
import { waitFor } from "../support/waitFor";

const DEVICES = Number(process.env.FLEET_DEVICES ?? 1000);
/** The local cloud and its broker, then about 1 MiB per device measured with shared threads
 * (README "A thousand devices"), with room for a loaded machine's garbage; a thread per app
 * would take about 14 MiB per device. */
const RSS_BOUND = (500 + 2 * DEVICES) * 2 ** 20;

const feature = (value: number) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(${value}), 5000);
}
`;

describe(`snapfleet dev with ${DEVICES} devices (long)`, function () {
  this.timeout(0);

  it("brings every device online on the version, updates them all over the air, stops cleanly, in bounded memory", async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-fleet1000-"));
    const entry = writeFeatures({ "app.ts": feature(1) }, "fleet-1000");
    const logs: string[] = [];
    let peakRss = 0;
    let hostPids: number[] = [];
    // This process and its fleet hosts together: the devices live in the hosts.
    const rss = () => residentBytesOf([process.pid, ...hostPids]);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rss())), 250);
    const session = await DevSession.start({ entry, secrets: {}, devices: DEVICES, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: (l) => logs.push(l) });
    hostPids = session.hostPids;
    try {
      const rows = () => session.cloud.monitor.devices();
      const allOn = (version: string) => rows().length === DEVICES && rows().every((r) => r.online && r.version === version && r.ota === "SUCCEEDED");
      const first = rows()[0];
      await waitFor("every device online on the first version", () => first.version !== "" && allOn(first.version), 15 * 60_000, 200);
      assert.equal(hostPids.length, Math.ceil(DEVICES / DEVICES_PER_HOST), "the devices run in fleet hosts");
      assert.ok((await session.appThreads()) >= hostPids.length, "the apps share threads in each host");

      fs.writeFileSync(entry, feature(2));
      const update = await session.rebuild();
      assert.ok(update.jobId, "device code changed: a new OTA job");
      await waitFor(`every device on ${update.version.slice(0, 12)}`, () => allOn(update.version), 15 * 60_000, 200);
      const failures = logs.filter((l) => /watchdog|FAILED|rolled back|restart failed/.test(l));
      assert.deepEqual(failures, [], "no device failed or was reset on the way");
    } finally {
      await session.stop();
      clearInterval(sampler);
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
    console.log(`      peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB for ${DEVICES} devices (bound ${(RSS_BOUND / 2 ** 20).toFixed(0)} MiB); load average ${os.loadavg()[0].toFixed(1)}`);
    assert.equal(session.devices.length, 0);
    assert.deepEqual(hostPids.filter(isRunning), [], "every fleet host ended with dev");
    assert.ok(!logs.some((l) => /did not stop within/.test(l)), logs.filter((l) => /did not stop/.test(l)).slice(0, 5).join("\n"));
    assert.ok(peakRss < RSS_BOUND, `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  });
});
