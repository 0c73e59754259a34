/** A worker thread that runs several device apps side by side (sharedAppThread.ts starts it),
 * each in its own VM with its own board and supervisor (appInThread.ts). One heartbeat for the
 * thread: a loop in any app silences it, and the host's watchdog resets every app of the thread. */
import { parentPort, workerData } from "node:worker_threads";
import { startAppInThread, type AppInThread } from "./appInThread";
import type { FromSharedThread, SharedThreadData, ToSharedThread } from "./appWorkerProtocol";

const port = parentPort!;
const data = workerData as SharedThreadData;
const post = (m: FromSharedThread) => port.postMessage(m);
const running = new Int32Array(data.running);
const apps = new Map<number, AppInThread>();

setInterval(() => post({ kind: "alive" }), data.heartbeatMs);
post({ kind: "loaded" });
/** Messages in arrival order, handled in slices of at most SLICE_MS: a fleet's apps get theirs
 * together (a start, an OTA update stopping and booting hundreds of apps, the apps of a reset
 * thread), and handling them all in one go silenced the heartbeat past the watchdog's limit. */
const SLICE_MS = 50;
const inbox: ToSharedThread[] = [];
let draining = false;

port.on("message", (m: ToSharedThread) => {
  inbox.push(m);
  if (!draining) drain();
});

function drain(): void {
  draining = true;
  const started = performance.now();
  while (inbox.length) {
    // The rest after timers (the heartbeat) have had their turn.
    if (performance.now() - started > SLICE_MS) return void setImmediate(drain);
    const m = inbox.shift()!;
    if (m.kind === "open") {
      const { slot } = m;
      const enter = () => Atomics.store(running, 0, slot);
      apps.set(slot, startAppInThread(m.data, (message) => post({ kind: "from", slot, message }), enter));
    } else if (m.kind === "to") {
      apps.get(m.slot)?.receive(m.message);
    } else {
      apps.get(m.slot)?.discard();
      apps.delete(m.slot);
    }
  }
  draining = false;
}
