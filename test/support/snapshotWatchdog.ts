import path from "node:path";
import { Worker } from "node:worker_threads";
import type { Target } from "../../core/contracts/manifest";
import type { ExerciseOutcome } from "./snapshotExercise";

/** Runs snapshots through exerciseSnapshot in a worker thread, one after another, and stops the
 * worker when one call into a VM (restore included) takes longer than a wall-clock limit: a
 * snapshot that hangs the engine is reported instead of hanging the caller (a test run, the
 * fuzzer). The worker is then replaced and carries on with the next snapshot. */

export interface SnapshotCase {
  id: number;
  snapshot: Uint8Array;
  target: Target;
}

export type CaseResult =
  | ExerciseOutcome
  /** A call still running after the limit; `hostCalls` counts the host calls it made in the
   * limit's second half (non-zero: the VM loops through the host). */
  | { kind: "hang"; hostCalls: number }
  /** The worker itself died (e.g. out of memory). */
  | { kind: "crash"; error: string };

export interface WatchdogOptions {
  /** Instruction budget per VM call; undefined for FeatureVm's default, 0 for none. */
  instructionBudget: number | undefined;
  /** A call into the VM still running after this long is a hang. */
  limitMs: number;
  onResult?: (id: number, result: CaseResult) => void;
  /** Epoch ms after which no more cases are started (the rest get no result). */
  deadline?: number;
}

/** Messages between this file and snapshotWatchdogWorker.ts. */
export type ToWorker = { cases: SnapshotCase[] };
export type FromWorker = { started: number } | { id: number; outcome: ExerciseOutcome };

/** Slots of the worker's shared counters. */
export const Counter = { Calls: 0, HostCalls: 1 } as const;

const CHUNK = 200;
const WORKER_FILE = path.join(__dirname, "snapshotWatchdogWorker.ts");

export async function runWithWatchdog(cases: SnapshotCase[], options: WatchdogOptions): Promise<Map<number, CaseResult>> {
  const results = new Map<number, CaseResult>();
  const record = (id: number, result: CaseResult) => {
    results.set(id, result);
    options.onResult?.(id, result);
  };
  let next = 0; // first case not yet handed to a worker
  const pastDeadline = () => options.deadline !== undefined && Date.now() > options.deadline;
  while (next < cases.length && !pastDeadline()) {
    next = await runOneWorker(cases, next, options, record, pastDeadline);
  }
  return results;
}

/** Runs cases from `from` on until they are all done or one hangs; returns where to resume. */
function runOneWorker(
  cases: SnapshotCase[],
  from: number,
  options: WatchdogOptions,
  record: (id: number, result: CaseResult) => void,
  pastDeadline: () => boolean,
): Promise<number> {
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(
    // Workers don't inherit tsx's loader: register it, then load the TypeScript worker file.
    `require(${JSON.stringify(require.resolve("tsx/cjs/api"))}).register(); require(${JSON.stringify(WORKER_FILE)});`,
    { eval: true, workerData: { counters, instructionBudget: options.instructionBudget } },
  );
  return new Promise<number>((resolve) => {
    let sent = from; // cases handed to this worker so far end here
    /** The case in progress, and when its latest call into the VM began. */
    let running: { index: number; calls: number; since: number; midwayHostCalls?: number } | undefined;
    let done = from; // cases before this one have a result
    const sendChunk = () => {
      const chunk = cases.slice(sent, sent + CHUNK);
      sent += chunk.length;
      worker.postMessage({ cases: chunk } satisfies ToWorker);
    };
    const finish = (resumeAt: number) => {
      clearInterval(watch);
      worker.removeAllListeners();
      worker.on("error", () => {}); // late errors of a terminated worker
      void worker.terminate();
      resolve(resumeAt);
    };
    const watch = setInterval(() => {
      if (!running) return;
      const calls = Atomics.load(counters, Counter.Calls);
      if (calls !== running.calls) {
        running = { index: running.index, calls, since: Date.now() };
        return;
      }
      const elapsed = Date.now() - running.since;
      if (elapsed > options.limitMs / 2) running.midwayHostCalls ??= Atomics.load(counters, Counter.HostCalls);
      if (elapsed > options.limitMs) {
        record(cases[running.index].id, { kind: "hang", hostCalls: Atomics.load(counters, Counter.HostCalls) - running.midwayHostCalls! });
        finish(running.index + 1);
      }
    }, 20);
    worker.on("message", (message: FromWorker) => {
      if ("started" in message) {
        running = { index: done, calls: Atomics.load(counters, Counter.Calls), since: Date.now() };
        return;
      }
      record(message.id, message.outcome);
      running = undefined;
      done++;
      if (done < sent) return;
      if (done === cases.length || pastDeadline()) finish(done);
      else sendChunk();
    });
    const died = (error: string) => {
      record(cases[done].id, { kind: "crash", error });
      finish(done + 1);
    };
    worker.on("error", (error) => died(error.message));
    worker.on("exit", (code) => died(`worker exited with code ${code}`));
    sendChunk();
  });
}
