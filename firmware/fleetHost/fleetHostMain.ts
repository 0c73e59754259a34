/** A fleet host process (see fleetHostProtocol.ts): runs the simulated devices `snapfleet dev`
 * gives it, each with its own MQTT link and its app in one of this process's shared threads,
 * and relays their log lines. It ends when asked to stop, or when its parent goes away (the IPC
 * channel closes): a host never outlives `snapfleet dev`. */
import { rememberSites, type CallbackSiteMemory } from "./callbackSiteMemory";
import { AppThreadPool } from "../isolation/appThreadPool";
import { describePinWrite } from "../isolation/appWorkerProtocol";
import { SimulatedDevice } from "../simulatedDevice";
import type { FleetHostConfig, FromFleetHost, HostedDeviceSpec, ToFleetHost } from "./fleetHostProtocol";
import { stopDevices } from "./stopDevices";

const send = (message: FromFleetHost) => process.send?.(message);

let config: FleetHostConfig | undefined;
let pool: AppThreadPool | undefined;
let stopping = false;
const devices: SimulatedDevice[] = [];
/** Devices still connecting, one controller each: stop() ends their connect attempts at once.
 * One per device, not one signal for all: up to CONNECTING_AT_ONCE (cli/devSession.ts) and more
 * connect at once in a host, and each would add its abort listener to a shared signal, which
 * made Node warn of a listener leak (MaxListenersExceededWarning) at every fleet start. */
const connecting = new Set<AbortController>();
const starts = new Set<Promise<void>>();
const callbackSites: CallbackSiteMemory = new Map();

async function start(spec: HostedDeviceSpec): Promise<void> {
  if (!config || !pool || stopping) return void send({ kind: "failed", thing: spec.thing, message: stopping ? "the fleet host is stopping" : "the fleet host has no configuration yet" });
  const log = (line: string) => send({ kind: "log", thing: spec.thing, line });
  const abort = new AbortController();
  connecting.add(abort);
  try {
    const device = await SimulatedDevice.start({
      app: config.app,
      thing: spec.thing,
      stateDir: spec.stateDir,
      endpoint: config.endpoint,
      port: config.port,
      caCertPem: config.caCertPem,
      certPem: spec.certPem,
      keyPem: spec.keyPem,
      pinTimeOffsetMs: spec.pinTimeOffsetMs,
      onLog: log,
      signal: abort.signal,
      isolation: {
        pinSpecs: config.pinSpecs,
        watchdogMs: config.watchdogMs,
        device: config.device,
        onPinWrite: (w) => log(`[board] ${describePinWrite(w)}`),
        callbackSitesFor: (version) => callbackSites.get(version)?.callbackSites,
        pool,
      },
    });
    devices.push(device); // one that started while the host was stopping goes with the others
    send({ kind: "started", thing: spec.thing });
  } catch (e) {
    send({ kind: "failed", thing: spec.thing, message: (e as Error).message });
  } finally {
    connecting.delete(abort);
  }
}

async function stop(): Promise<void> {
  stopping = true;
  for (const abort of connecting) abort.abort();
  // Those past their connect (installing) are stopped with the rest; the parent bounds the wait.
  await Promise.all(starts);
  await stopDevices(devices.splice(0), config ?? { deviceStopMs: 2000, haltMs: 1000 }, (thing, line) => send({ kind: "log", thing, line }));
  send({ kind: "stopped" });
}

process.on("message", (message: ToFleetHost) => {
  switch (message.kind) {
    case "config":
      config = message;
      pool = new AppThreadPool({ apps: message.devices, threads: message.appThreads, heartbeatMs: message.heartbeatMs });
      return void send({ kind: "ready" });
    case "start": {
      const started = start(message.device).finally(() => starts.delete(started));
      return void starts.add(started);
    }
    case "callbackSites":
      return rememberSites(callbackSites, message.version, message.app);
    case "threads":
      return void send({ kind: "threads", ask: message.ask, threads: pool?.size ?? 0 });
    case "stop":
      return void stop();
  }
});
// The parent is gone (crashed, killed): nothing would stop these devices any more.
process.on("disconnect", () => process.exit(0));
// --cpu-prof writes its profile only at a normal exit, and the parent ends a host with SIGTERM.
if (process.execArgv.some((flag) => flag.startsWith("--cpu-prof"))) process.on("SIGTERM", () => process.exit(0));
