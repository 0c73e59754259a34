/** One process of the device side that the local cloud starts and supervises: a native device
 * (firmware/native/nativeDevice.ts) or a QEMU board's network co-processor
 * (firmware/coprocessor/coprocessorProcess.ts) and its QEMU board (qemuDevice.ts). Its output is relayed line by line (the last
 * lines kept to explain a failure), start() waits for the moment it says it is ready, and stop()
 * asks it to end (SIGTERM) before it is killed. */
import { spawn, fork, type ChildProcess } from "node:child_process";

export interface DeviceProcessOptions {
  /** What the process is, for errors ("native device sim-1"). */
  name: string;
  onLine?: (line: string) => void;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs: number;
}

/** Lines kept to say what a process said before it failed. */
const RECENT_LINES = 20;

export class DeviceProcess {
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** The signal that ended it, once it ended by one. */
  exitSignal: NodeJS.Signals | null = null;
  private exitCode: number | null | undefined;
  private readonly recent: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    private readonly options: DeviceProcessOptions,
  ) {
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exitSignal = signal;
        resolve((this.exitCode = code));
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        lines.forEach((l) => this.line(l));
      });
      stream.on("end", () => this.line(rest));
    }
  }

  /** A program (its stdin closed, its output relayed). */
  static spawn(command: string, args: string[], options: DeviceProcessOptions): DeviceProcess {
    return new DeviceProcess(spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] }), options);
  }

  /** A process started elsewhere (a QEMU board: firmware/native/ports/mps2-an505/qemuBoard.ts),
   * its stdout and stderr piped. */
  static adopt(child: ChildProcess, options: DeviceProcessOptions): DeviceProcess {
    return new DeviceProcess(child, options);
  }

  /** A Node module with an IPC channel, in an environment given whole (nothing of this process's
   * environment is passed on unless named in `env`). A `.ts` module runs through tsx; `nodeFlags`
   * are Node's own (a profiler's `--cpu-prof`). */
  static fork(modulePath: string, env: Record<string, string>, options: DeviceProcessOptions, nodeFlags: string[] = []): DeviceProcess {
    const execArgv = [...(modulePath.endsWith(".ts") ? ["--require", require.resolve("tsx/cjs")] : []), ...nodeFlags];
    return new DeviceProcess(fork(modulePath, [], { env, execArgv, stdio: ["ignore", "pipe", "pipe", "ipc"] }), options);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** How it ended, in words ("exit status 1", "SIGKILL"). */
  get ending(): string {
    return this.exitSignal ?? `exit status ${this.exitCode}`;
  }

  /** Waits for `ready`; otherwise (the process exits, or `timeoutMs` passes: then it is stopped)
   * rejects with an error saying so and what the process said last. */
  async started(ready: Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ready.then(() => "ready" as const),
      this.exited.then(() => "exited" as const),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === "ready") return;
    if (outcome === "timeout") await this.stop();
    const said = this.recent.length ? `; it said:\n  ${this.recent.join("\n  ")}` : "";
    throw new Error(`${this.options.name} ${outcome === "exited" ? `exited with code ${this.exitCode}` : `did not ${what} within ${timeoutMs / 1000} s`}${said}`);
  }

  /** Clean stop: SIGTERM, then SIGKILL if it has not ended within the grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), this.options.stopGraceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Power cut: SIGKILL, nothing is said or written any more. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  private line(line: string): void {
    line = line.replace(/\r$/, ""); // a UART's line ends
    if (!line.trim()) return;
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    this.options.onLine?.(line);
  }
}
