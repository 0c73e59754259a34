// Worker side of snapshotWatchdog.ts: exercises each snapshot it is sent, counting calls into
// the VM and host calls in shared memory, so that the main thread can time each call.
import { parentPort, workerData } from "node:worker_threads";
import { loadWasmEngine } from "../../core/engine";
import { exerciseSnapshot } from "./snapshotExercise";
import { Counter, type FromWorker, type ToWorker } from "./snapshotWatchdog";

const { counters, instructionBudget } = workerData as { counters: Int32Array; instructionBudget: number | undefined };
const port = parentPort!;
const progress = {
  call: () => void Atomics.add(counters, Counter.Calls, 1),
  hostCall: () => void Atomics.add(counters, Counter.HostCalls, 1),
};

void loadWasmEngine().then((engine) => {
  port.on("message", ({ cases }: ToWorker) => {
    for (const { id, snapshot, target } of cases) {
      port.postMessage({ started: id } satisfies FromWorker);
      const outcome = exerciseSnapshot(engine, snapshot, target, instructionBudget, progress);
      port.postMessage({ id, outcome } satisfies FromWorker);
    }
  });
});
