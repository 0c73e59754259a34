/** Starts a worker thread on one of this folder's worker modules (appWorker, sharedAppWorker),
 * from the TypeScript sources (through tsx) or from dist alike. */
import path from "node:path";
import { Worker, type ResourceLimits } from "node:worker_threads";
import type { WorkerEntry } from "./appWorkerProtocol";

/** Loads the worker's module; through tsx when running from the TypeScript sources. */
const BOOTSTRAP = `const { workerData } = require("node:worker_threads");
if (workerData.tsxHook) require(workerData.tsxHook);
require(workerData.entry);`;

const EXT = path.extname(__filename);
/** Resolved once: through tsx's resolver a require.resolve costs about 0.6 ms of the main thread,
 * and a fleet of 1,000 asks for an entry 2,000 times (boot and update). */
let tsxHook: string | undefined;

/** Where the bootstrap finds `module` (a file name of this folder, without extension). */
export function workerEntry(module: string): WorkerEntry {
  if (EXT === ".ts") tsxHook ??= require.resolve("tsx/cjs");
  return { entry: path.join(__dirname, `${module}${EXT}`), tsxHook: EXT === ".ts" ? tsxHook : undefined };
}

/** A worker whose data names its module (see workerEntry); its console output is the host's. */
export function startWorker(workerData: WorkerEntry, resourceLimits: ResourceLimits): Worker {
  return new Worker(BOOTSTRAP, { eval: true, workerData, resourceLimits, stdout: false, stderr: false });
}
