/** A native device process (`snapfleet-device connect …`, firmware/native/ports/posix/net/) as
 * the local cloud runs it: the TypeScript side only starts it with its thing name, certificate,
 * key, CA and endpoint, relays its log lines, and stops it. Everything a device does (MQTT over
 * mutual TLS, status, Jobs, OTA slots, rollback) happens in the C program, as on a board. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

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
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly thing: string,
    private readonly child: ChildProcess,
    private readonly stopGraceMs: number,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve((this.exitCode = code))));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
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
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const device = new NativeDevice(o.thing, child, o.launcher?.length ? LAUNCHED_STOP_GRACE_MS : STOP_GRACE_MS);
    const recent: string[] = [];
    let connected: () => void = () => {};
    const isConnected = new Promise<void>((resolve) => (connected = resolve));
    const onLine = (line: string) => {
      if (!line) return;
      recent.push(line);
      if (recent.length > 20) recent.shift();
      if (line.startsWith(`[mqtt ${o.thing}] connected`)) connected();
      o.onLog?.(line);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        lines.forEach(onLine);
      });
      stream.on("end", () => onLine(rest));
    }
    const timeoutMs = o.connectTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      isConnected.then(() => "connected" as const),
      device.exited.then(() => "exited" as const),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === "connected") return device;
    if (outcome === "timeout") await device.stop();
    const said = recent.length ? `; it said:\n  ${recent.join("\n  ")}` : "";
    throw new Error(`native device ${o.thing} ${outcome === "exited" ? `exited with code ${device.exitCode}` : `did not connect to ${o.endpoint}:${o.port} within ${timeoutMs / 1000} s`}${said}`);
  }

  /** Clean stop: SIGTERM makes the device stop its app (offline status) and disconnect; a
   * device that doesn't exit in time is killed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), this.stopGraceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Power cut: SIGKILL, nothing is said or written any more (tests of state after a crash). */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** For `snapfleet dev`'s stop budget: the same as kill. */
  halt(): Promise<void> {
    return this.kill();
  }
}
