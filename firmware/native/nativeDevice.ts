/** A native device process (`snapfleet-device connect …`, firmware/native/ports/posix/net/) as
 * the local cloud runs it: the TypeScript side only starts it with its thing name, certificate,
 * key, CA and endpoint (or its batch's claim and serial: the program onboards by claim itself,
 * ports/posix/net/claimProvisioning.c), relays its log lines, and stops it. Everything a device does (MQTT over
 * mutual TLS, status, Jobs, OTA slots, rollback) happens in the C program, as on a board. */
import fs from "node:fs";
import path from "node:path";
import { FIRST_CONNECT_BUDGET_MS } from "../comms/mqttTransport";
import { DeviceProcess } from "../deviceProcess";

/** A board flashed with its batch's claim instead of its own identity. */
export interface NativeClaim {
  /** The board's serial: its thing name once an operator approves it. */
  serial: string;
  /** The batch's claim certificate and key (`snapfleet claim mint`), PEM files. */
  certPath: string;
  keyPath: string;
  /** Default: the app's template, sf-{app}-claim. */
  templateName?: string;
  /** Waits between asks while not approved (the program's default: 2 s doubling to 60 s). */
  retry?: { initialMs: number; maxMs: number };
}

export interface NativeDeviceOptions {
  /** build/firmware/posix/snapfleet-device (snapfleet firmware build --target posix). */
  binary: string;
  app: string;
  /** The device's own identity (thing, certPath, keyPath), or `claim` instead of all three. */
  thing?: string;
  /** The device's flash: OTA slots and ota.state. */
  stateDir: string;
  endpoint: string;
  port: number;
  certPath?: string;
  keyPath?: string;
  /** Onboarding by claim: the first boot asks for an identity (pending until approved) and keeps
   * it in stateDir/identity; later boots use it. start() resolves once online as that thing. */
  claim?: NativeClaim;
  /** Stops the process (start() then rejects): a board waiting for approval can be given up. */
  signal?: AbortSignal;
  /** The local cloud's CA; omit on AWS (the system trust store). */
  caPath?: string;
  pinSpecs?: string[];
  gracePeriodMs?: number;
  crashLoop?: { failures: number; withinMs: number };
  keepAliveSeconds?: number;
  /** How long the program tries a first connect that fails for a passing reason (no broker yet)
   * before it exits saying why (its default: 60 s, FIRST_CONNECT_BUDGET_MS); a refusal exits at once. */
  firstConnectBudgetMs?: number;
  instructionBudget?: number;
  onLog?: (line: string) => void;
  /** How long start() waits for the first CONNACK (default: the program's first-connect budget and
   * 15 s more, so the program's own reason comes first; with a claim, the approval too). */
  connectTimeoutMs?: number;
  /** Runs the program under another, e.g. ["valgrind", "--leak-check=full"] (the memory check). */
  launcher?: string[];
}

/** What a claimed board prints once it knows its thing (ports/posix/net/networkMain.c). */
const IDENTITY_LINE = /^\[identity\] thing "([^"]+)"/;

/** Who the board is: its own identity's flags, or its claim's. */
function identityArgs(o: NativeDeviceOptions): string[] {
  if (o.claim) {
    if (o.thing || o.certPath || o.keyPath) throw new Error(`native device: give either claim or thing/certPath/keyPath, not both (a claimed board is named by the cloud)`);
    const { serial, certPath, keyPath, templateName, retry } = o.claim;
    const args = ["--serial", serial, "--claim-cert", certPath, "--claim-key", keyPath];
    if (templateName) args.push("--template", templateName);
    if (retry) args.push("--claim-retry", `${retry.initialMs}/${retry.maxMs}`);
    return args;
  }
  if (!o.thing || !o.certPath || !o.keyPath) throw new Error(`native device: thing, certPath and keyPath are required (or a claim instead of all three)`);
  return ["--thing", o.thing, "--cert", o.certPath, "--key", o.keyPath];
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
    const args = ["connect", ...identityArgs(o), "--app", o.app, "--endpoint", o.endpoint, "--port", String(o.port), "--state", o.stateDir];
    if (o.caPath) args.push("--ca", o.caPath);
    for (const pin of o.pinSpecs ?? []) args.push("--pin", pin);
    if (o.gracePeriodMs !== undefined) args.push("--grace-ms", String(o.gracePeriodMs));
    if (o.crashLoop) args.push("--crash-loop", `${o.crashLoop.failures}/${o.crashLoop.withinMs}`);
    if (o.keepAliveSeconds !== undefined) args.push("--keepalive", String(o.keepAliveSeconds));
    if (o.firstConnectBudgetMs !== undefined) args.push("--first-connect-budget", String(o.firstConnectBudgetMs));
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
    // A claimed board says which thing it is (new or kept) before it connects as it.
    let thing = o.thing;
    const child = DeviceProcess.spawn(command, args, {
      name: `native device ${o.thing ?? `with the claim of serial ${o.claim?.serial}`}`,
      stopGraceMs: o.launcher?.length ? LAUNCHED_STOP_GRACE_MS : STOP_GRACE_MS,
      onLine: (line) => {
        thing ??= IDENTITY_LINE.exec(line)?.[1];
        if (thing && line.startsWith(`[mqtt ${thing}] connected`)) connected();
        o.onLog?.(line);
      },
    });
    const abort = () => void child.stop();
    o.signal?.addEventListener("abort", abort, { once: true });
    const timeoutMs = o.connectTimeoutMs ?? (o.firstConnectBudgetMs ?? FIRST_CONNECT_BUDGET_MS) + 15_000;
    try {
      await child.started(isConnected, timeoutMs, o.claim ? `get an identity by claim and connect to ${o.endpoint}:${o.port}` : `connect to ${o.endpoint}:${o.port}`);
    } finally {
      o.signal?.removeEventListener("abort", abort);
    }
    return new NativeDevice(thing!, child);
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
