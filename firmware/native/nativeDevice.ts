/** A native device process (`snapfleet-device connect …`, firmware/native/ports/posix/net/) as
 * the local cloud runs it: the TypeScript side only starts it with its thing name, certificate,
 * key, CA and endpoint, relays its log lines, and stops it. Everything a device does (MQTT over
 * mutual TLS, status, Jobs, OTA slots, rollback) happens in the C program, as on a board. */
import fs from "node:fs";
import path from "node:path";
import { DeviceProcess } from "../deviceProcess";

export interface NativeDeviceOptions {
  /** build/firmware/posix/snapfleet-device (snapfleet firmware build --target posix). */
  binary: string;
  app: string;
  thing: string;
  /** The device's flash: OTA slots and ota.state. */
  stateDir: string;
  endpoint: string;
  port: number;
  certPath: string;
  keyPath: string;
  /** The local cloud's CA; omit on AWS (the system trust store). */
  caPath?: string;
  pinSpecs?: string[];
  gracePeriodMs?: number;
  crashLoop?: { failures: number; withinMs: number };
  keepAliveSeconds?: number;
  instructionBudget?: number;
  onLog?: (line: string) => void;
  /** How long start() waits for the first CONNACK (default 15 s). */
  connectTimeoutMs?: number;
  /** Runs the program under another, e.g. ["valgrind", "--leak-check=full"] (the memory check). */
  launcher?: string[];
}

/** Wait for the device to say goodbye (offline status, pending job updates) before killing it. */
const STOP_GRACE_MS = 3000;
/** Under a launcher (valgrind) the goodbye, and the leak report after it, take longer. */
const LAUNCHED_STOP_GRACE_MS = 60_000;

export class NativeDevice {
  private constructor(
    readonly thing: string,
    private readonly deviceProcess: DeviceProcess,
  ) {}

  /** Resolves with the exit code (null when a signal ended it). */
  get exited(): Promise<number | null> {
    return this.deviceProcess.exited;
  }

  get pid(): number {
    return this.deviceProcess.pid;
  }

  get running(): boolean {
    return this.deviceProcess.running;
  }

  /** The command line for these options (also what the README shows for AWS). */
  static args(o: NativeDeviceOptions): string[] {
    const args = ["connect", "--thing", o.thing, "--app", o.app, "--endpoint", o.endpoint, "--port", String(o.port), "--cert", o.certPath, "--key", o.keyPath, "--state", o.stateDir];
    if (o.caPath) args.push("--ca", o.caPath);
    for (const pin of o.pinSpecs ?? []) args.push("--pin", pin);
    if (o.gracePeriodMs !== undefined) args.push("--grace-ms", String(o.gracePeriodMs));
    if (o.crashLoop) args.push("--crash-loop", `${o.crashLoop.failures}/${o.crashLoop.withinMs}`);
    if (o.keepAliveSeconds !== undefined) args.push("--keepalive", String(o.keepAliveSeconds));
    if (o.instructionBudget !== undefined) args.push("--instruction-budget", String(o.instructionBudget));
    return args;
  }

  /** Starts the process; resolves once it is connected, rejects with its own words when it
   * exits or doesn't connect in time. */
  static async start(o: NativeDeviceOptions): Promise<NativeDevice> {
    if (!fs.existsSync(o.binary)) {
      throw new Error(`no native device program at ${path.relative(process.cwd(), o.binary) || o.binary}: build it with \`npx snapfleet firmware build --target posix\``);
    }
    const [command, ...args] = [...(o.launcher ?? []), o.binary, ...NativeDevice.args(o)];
    let connected: () => void = () => {};
    const isConnected = new Promise<void>((resolve) => (connected = resolve));
    const child = DeviceProcess.spawn(command, args, {
      name: `native device ${o.thing}`,
      stopGraceMs: o.launcher?.length ? LAUNCHED_STOP_GRACE_MS : STOP_GRACE_MS,
      onLine: (line) => {
        if (line.startsWith(`[mqtt ${o.thing}] connected`)) connected();
        o.onLog?.(line);
      },
    });
    const timeoutMs = o.connectTimeoutMs ?? 15_000;
    await child.started(isConnected, timeoutMs, `connect to ${o.endpoint}:${o.port}`);
    return new NativeDevice(o.thing, child);
  }

  /** Clean stop: SIGTERM makes the device stop its app (offline status) and disconnect; a
   * device that doesn't exit in time is killed. */
  stop(): Promise<void> {
    return this.deviceProcess.stop();
  }

  /** Power cut: SIGKILL, nothing is said or written any more (tests of state after a crash). */
  kill(): Promise<void> {
    return this.deviceProcess.kill();
  }

  /** For `snapfleet dev`'s stop budget: the same as kill. */
  halt(): Promise<void> {
    return this.kill();
  }
}
