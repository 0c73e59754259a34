/** The local cloud's thing registry during a fleet's first start: 1,000 things attached about 2 ms
 * apart (as the broker provisions them), all at once and one after another, each with its own certificate. Prints
 * the main thread's busy time (event-loop utilization's active time, the figure that competes
 * with the broker's MQTT work) and the process's CPU time (main thread + libuv's file threads).
 * `--baseline FILE` runs another version of thingRegistry.ts in the same process, interleaved
 * round by round with this one, so a change is measured against the code before at the same
 * load; the "loop alone" row is the bench's own share of the figures. For the code before:
 * `git show main:local/registry/thingRegistry.ts > local/registry/before.tmp.ts`, then
 * `--baseline ../local/registry/before.tmp.ts` (relative to bench/, so its imports resolve). */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ensureLocalPki } from "../local/certificates";
import type { ThingRegistry } from "../local/registry";

const THINGS = 1000;
const APART_MS = 2;
const ROUNDS = 4;

type Open = (stateDir: string) => Promise<Pick<ThingRegistry, "attach" | "names">>;

/** The bench's own loop (timers, promises) without a registry: what the figures above it include. */
const NO_REGISTRY = "loop alone";

interface Figures {
  wallMs: number;
  mainThreadMs: number;
  cpuMs: number;
}

/** `apartMs` between attaches, or "awaited": each attach waits for the one before (one write each,
 * in any version: the cost of a write alone, where the other modes also count how writes batch). */
async function attachAll(open: Open | typeof NO_REGISTRY, certs: string[], apartMs: number | "awaited"): Promise<Figures> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-registry-bench-"));
  try {
    const registry = open === NO_REGISTRY ? { attach: () => Promise.resolve() } : await open(stateDir);
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const attached: Promise<void>[] = [];
    for (let i = 0; i < certs.length; i++) {
      attached.push(registry.attach(`sim-${i + 1}`, certs[i]));
      if (apartMs === "awaited") await attached[i];
      else if (apartMs > 0) await new Promise((resolve) => setTimeout(resolve, apartMs));
    }
    await Promise.all(attached);
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(elu);
    // A bench that measures a registry which lost things would measure nothing.
    const kept = open === NO_REGISTRY ? certs.length : (await open(stateDir)).names().length;
    if (kept !== certs.length) throw new Error(`registry bench: ${kept} things in the file, expected ${certs.length}`);
    return { wallMs, mainThreadMs: busy.active, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function openerOf(modulePath: string): Promise<Open> {
  const module = (await import(modulePath)) as { ThingRegistry: { open: Open } };
  return (stateDir) => module.ThingRegistry.open(stateDir);
}

async function main(): Promise<void> {
  const baselineAt = process.argv.indexOf("--baseline");
  const versions: [string, Open | typeof NO_REGISTRY][] = [["this code", await openerOf("../local/registry/thingRegistry")], [NO_REGISTRY, NO_REGISTRY]];
  if (baselineAt > 0) versions.unshift(["baseline", await openerOf(process.argv[baselineAt + 1])]);

  const pkiDir = await mkdtemp(path.join(os.tmpdir(), "sf-registry-bench-pki-"));
  try {
    const pki = await ensureLocalPki(pkiDir);
    const certs = Array.from({ length: THINGS }, (_, i) => pki.issueThingCertificate(`sim-${i + 1}`).certPem);
    const fmt = (f: Figures) =>
      `main thread ${f.mainThreadMs.toFixed(0)} ms, process CPU ${f.cpuMs.toFixed(0)} ms, wall ${f.wallMs.toFixed(0)} ms`;
    console.log(`Thing registry: ${THINGS} things attached, each with its own certificate (load ${os.loadavg()[0].toFixed(1)})`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, open] of versions) {
        const apart = await attachAll(open, certs, APART_MS);
        const atOnce = await attachAll(open, certs, 0);
        const awaited = await attachAll(open, certs, "awaited");
        console.log(`  round ${round}, ${name}: ${APART_MS} ms apart: ${fmt(apart)}; all at once: ${fmt(atOnce)}; one after another: ${fmt(awaited)}`);
      }
    }
    console.log(`  (load at the end ${os.loadavg()[0].toFixed(1)})`);
  } finally {
    await rm(pkiDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
