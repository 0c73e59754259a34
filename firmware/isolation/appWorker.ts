/** A device app's own worker thread (isolatedApp.ts starts it): a heartbeat for the host's
 * watchdog, then the app (appInThread.ts). */
import { parentPort, workerData } from "node:worker_threads";
import { startAppInThread } from "./appInThread";
import type { AppWorkerData, FromWorker, ToWorker } from "./appWorkerProtocol";

const port = parentPort!;
const data = workerData as AppWorkerData;
const post = (m: FromWorker) => port.postMessage(m);

// Started before the app: while a callback blocks this thread, these stop and the host's
// watchdog notices.
setInterval(() => post({ kind: "alive" }), data.heartbeatMs);
post({ kind: "loaded" });
const app = startAppInThread(data, post);
port.on("message", (m: ToWorker) => app.receive(m));
