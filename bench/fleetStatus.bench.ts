import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { encodeDeviceStatus } from "../core/contracts/deviceStatus";
import { FLEET_STATUS_TOKEN_HEADER, MAX_FLEET_STATUS_PAGE, decodeFleetStatusPage, encodeFleetStatusPage } from "../core/contracts/fleetStatus";
import { FleetStatusTable } from "../core/fleetStatus";
import { DashboardTokens } from "../local/broker";
import { startDashboardServer } from "../local/dashboard";

/** The dashboard's fleet list for the target fleet size (10,000 devices): how fast the local
 * cloud records status messages, and what a page load costs to list the whole fleet through the
 * fleet-status API (pages of 1,000 over HTTP, token checked per page), against a baseline in the
 * same run: the same records fetched as one static JSON file from the same server. */
const DEVICES = 10_000;

async function main(): Promise<void> {
  const table = new FleetStatusTable();
  const payloads = Array.from({ length: DEVICES }, (_, i) => Buffer.from(encodeDeviceStatus({ online: i % 3 !== 0, version: "0123456789abcdef".repeat(4), bootId: `b${i}`, t: 1_700_000_000_000 + i })));
  let started = performance.now();
  for (let i = 0; i < DEVICES; i++) table.apply(`device-${i}`, payloads[i], 1_700_000_000_000 + i);
  const applyMs = performance.now() - started;

  const dir = await mkdtemp(path.join(os.tmpdir(), "sf-fleet-status-bench-"));
  const bundleDir = path.join(dir, "bundle");
  const buildDir = path.join(dir, "build");
  fs.mkdirSync(bundleDir);
  fs.mkdirSync(buildDir);
  fs.writeFileSync(path.join(bundleDir, "index.html"), "<!doctype html>");
  // Baseline: every record in one static file, served by the same server.
  const all = JSON.stringify(encodeFleetStatusPage(await table.page(undefined, DEVICES)));
  fs.writeFileSync(path.join(buildDir, "manifest.json"), all);
  const tokens = new DashboardTokens("bench");
  const server = await startDashboardServer({
    bundleDir,
    buildDir,
    broker: { app: "bench", webSocketUrl: "ws://127.0.0.1:1/mqtt", issueDashboardToken: () => tokens.issue(), verifyDashboardToken: (t) => tokens.verify(t), fleetStatus: table },
  });
  const token = tokens.issue();
  try {
    const listing = async () => {
      let after: string | undefined;
      let devices = 0;
      let bytes = 0;
      let requests = 0;
      do {
        const query = new URLSearchParams({ limit: String(MAX_FLEET_STATUS_PAGE), ...(after ? { after } : {}) });
        const text = await (await fetch(`${server.origin}/api/fleet-status?${query}`, { headers: { [FLEET_STATUS_TOKEN_HEADER]: token } })).text();
        const page = decodeFleetStatusPage(JSON.parse(text));
        devices += page.devices.length;
        bytes += text.length;
        requests++;
        after = page.next;
      } while (after !== undefined);
      if (devices !== DEVICES) throw new Error(`listed ${devices} of ${DEVICES} devices`);
      return { bytes, requests };
    };
    const staticFile = async () => (await (await fetch(`${server.origin}/manifest.json`)).text()).length;
    await listing();
    await staticFile();
    const apiMs: number[] = [];
    const staticMs: number[] = [];
    let figures = { bytes: 0, requests: 0 };
    for (let round = 0; round < 5; round++) {
      started = performance.now();
      figures = await listing();
      apiMs.push(performance.now() - started);
      started = performance.now();
      await staticFile();
      staticMs.push(performance.now() - started);
    }
    const best = (xs: number[]) => Math.min(...xs);
    console.log(`record ${DEVICES} status messages (local table): ${applyMs.toFixed(1)} ms, ${Math.round(DEVICES / (applyMs / 1000)).toLocaleString("en-US")} /s`);
    console.log(`list ${DEVICES} devices through the API: ${figures.requests} requests, ${(figures.bytes / 1024).toFixed(0)} KB, best of 5 ${best(apiMs).toFixed(1)} ms`);
    console.log(`baseline, the same records as one static file: ${(all.length / 1024).toFixed(0)} KB, best of 5 ${best(staticMs).toFixed(1)} ms; API ×${(best(apiMs) / best(staticMs)).toFixed(2)}`);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
