/** What `snapfleet dev` and a fleet host process (fleetHostMain.ts) say to each other over the
 * process's IPC channel. A host runs a share of a large simulated fleet: the devices' MQTT links
 * (aws-crt) and their apps' shared threads, out of the process that runs the broker and the cloud
 * services. Why a process: each aws-crt connection holds libuv async handles, and libuv scans
 * every async handle of a loop each time any of them is signalled, so in one loop the cost grows
 * with devices × messages: at 1,000 devices in the broker's process that scan was 74% of its
 * main thread at rest (perf, `bench/fleet.bench.ts`). Split over hosts, each loop scans its own
 * share, the broker's none, and the hosts run on the other cores. */
import type { CallbackNamesSource } from "../../core/runtime/callbackNames";
import type { AppDeviceOptions } from "../isolation/appWorkerProtocol";

/** Everything the devices of one host have in common. */
export interface FleetHostConfig {
  kind: "config";
  app: string;
  endpoint: string;
  port: number;
  caCertPem: string;
  /** Devices this host will run (sizes its shared threads' heaps). */
  devices: number;
  /** Shared threads at most in this host. */
  appThreads: number;
  heartbeatMs: number;
  pinSpecs?: string[];
  watchdogMs?: number;
  device?: AppDeviceOptions;
  /** How long a device may take to stop before its app is halted (the host's share of dev's stop). */
  deviceStopMs: number;
  haltMs: number;
}

export interface HostedDeviceSpec {
  thing: string;
  stateDir: string;
  certPem: string;
  keyPem: string;
  pinTimeOffsetMs: number;
}

export type ToFleetHost =
  | FleetHostConfig
  | { kind: "start"; device: HostedDeviceSpec }
  /** A build's callback sites, with its channels and controls (`snapfleet dev` keeps them,
   * packages don't carry them). */
  | { kind: "callbackSites"; version: string; app: CallbackNamesSource }
  | { kind: "threads"; ask: number }
  /** Stop every device (each within deviceStopMs, else halted), then say "stopped". */
  | { kind: "stop" };

export type FromFleetHost =
  | { kind: "ready" }
  | { kind: "started"; thing: string }
  | { kind: "failed"; thing: string; message: string }
  /** A device's log line, as SimulatedDevice's onLog gives it (dev adds the `[thing] ` prefix). */
  | { kind: "log"; thing: string; line: string }
  | { kind: "threads"; ask: number; threads: number }
  | { kind: "stopped" };
