/** The whole local dashboard stack for tests and the bench: the grow-station example compiled,
 * the static bundle built, the real broker, the dashboard server, and Debian's Chromium driven by
 * playwright-core. Everything listens on 127.0.0.1 with free ports and lives in a temp folder. */
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { writeBuild, type BuildOutput } from "../../core/contracts/buildOutput";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { loadWasmEngine } from "../../core/engine";
import type { MicroviumEngine } from "../../core/engine/types";
import { LocalBroker } from "../../local/broker";
import { startDashboardServer, type DashboardServer } from "../../local/dashboard";
import { JobsService, localJobsSource } from "../../local/jobs";
import { buildWebBundle, type WebBundle } from "../bundle";

const ROOT = path.resolve(__dirname, "..", "..");
export const EXAMPLE_ENTRY = path.join(ROOT, "examples/grow-station/features/app.ts");
const EXAMPLE_SECRETS_FILE = path.join(ROOT, "examples/grow-station/dev-secrets.json");

export const CHROMIUM_PATH = process.env.SNAPFLEET_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: run \`node scripts/ensure-chromium.mjs\` (installs Debian's chromium) or set SNAPFLEET_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface DashboardStack {
  dir: string;
  buildDir: string;
  build: BuildOutput;
  bundle: WebBundle;
  engine: MicroviumEngine;
  broker: LocalBroker;
  /** The local Jobs service on the broker; the dashboard's jobs API reads it. */
  jobs: JobsService;
  server: DashboardServer;
  browser: Browser;
  /** Stops everything started here (in reverse order) and removes the temp folder. */
  stop(): Promise<void>;
}

export interface DashboardStackOptions {
  /** Feature entry (exports App); the grow-station example by default. */
  entry?: string;
  secrets?: Record<string, string>;
}

export async function startDashboardStack(options: DashboardStackOptions = {}): Promise<DashboardStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sf-dashboard-"));
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const secrets = options.secrets ?? (options.entry ? {} : (JSON.parse(fs.readFileSync(EXAMPLE_SECRETS_FILE, "utf8")) as Record<string, string>));
    const [compiled, bundle, engine] = await Promise.all([
      compileFeatures({ entry: options.entry ?? EXAMPLE_ENTRY, secrets }),
      buildWebBundle({ outDir: path.join(dir, "web-bundle") }),
      loadWasmEngine(),
    ]);
    const build: BuildOutput = { manifest: compiled.manifest, snapshots: compiled.snapshots };
    const buildDir = path.join(dir, "build");
    writeBuild(buildDir, build);
    // Sessions on disk, as the local cloud runs its broker.
    const broker = await LocalBroker.start({ stateDir: path.join(dir, "state"), app: build.manifest.app, manifest: build.manifest, persistSessions: true });
    stops.push(() => broker.stop());
    const jobs = await JobsService.start({ aedes: broker.aedes });
    stops.push(() => jobs.stop());
    const server = await startDashboardServer({ bundleDir: bundle.outDir, buildDir, broker, jobs: localJobsSource(jobs, build.manifest.app, (token) => broker.verifyDashboardToken(token)) });
    stops.push(() => server.stop());
    const browser = await launchChromium();
    stops.push(() => browser.close());
    return { dir, buildDir, build, bundle, engine, broker, jobs, server, browser, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
