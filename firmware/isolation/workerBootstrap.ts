/** Starts a worker thread on one of this folder's worker modules (appWorker, sharedAppWorker),
 * from the TypeScript sources (through tsx) or from dist alike. */
import path from "node:path";
import { Worker, type ResourceLimits } from "node:worker_threads";
import type { WorkerEntry } from "./appWorkerProtocol";

/** Loads the worker's module; through tsx when running from the TypeScript sources. */
const BOOTSTRAP = `const { workerData } = require("node:worker_threads");
if (workerData.tsxHook) require(workerData.tsxHook);
require(workerData.entry);`;

/** Where the bootstrap finds `module` (a file name of this folder, without extension). */
export function workerEntry(module: string): WorkerEntry {
  const ext = path.extname(__filename);
  return { entry: path.join(__dirname, `${module}${ext}`), tsxHook: ext === ".ts" ? require.resolve("tsx/cjs") : undefined };
}

/** A worker whose data names its module (see workerEntry); its console output is the host's. */
export function startWorker(workerData: WorkerEntry, resourceLimits: ResourceLimits): Worker {
  return new Worker(BOOTSTRAP, { eval: true, workerData, resourceLimits, stdout: false, stderr: false });
}
