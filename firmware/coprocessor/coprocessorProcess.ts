/** A QEMU board's network co-processor as its own process (coprocessorMain.ts), as a board's
 * ESP8266 is its own chip: the dev process starts it beside the board, gives it that device's
 * certificate and key and nothing else (an empty environment: none of the dev process's secrets;
 * the key over the IPC channel, not on a command line `ps` shows), relays its log lines, and
 * restarts it when it crashes (with backoff, bounded, reported). The restarted process listens
 * on the same port, where QEMU's UART socket reconnects, and the link resynchronises (the link
 * protocol handles either side restarting). If the dev process dies, the co-processor sees its
 * IPC channel close and ends. Process supervision: firmware/deviceProcess.ts. */
import path from "node:path";
import { DeviceProcess } from "../deviceProcess";
import { RestartBackoff, type RestartBackoffOptions } from "../restartBackoff";

/** What the co-processor process is given (the first IPC message). */
export interface CoprocessorConfig {
  app: string;
  thing: string;
  endpoint: string;
  port: number;
  caCertPem?: string;
  certPem: string;
  keyPem: string;
  keepAliveSeconds?: number;
  installTimeoutMs?: number;
  /** The co-processor's own flash: its downlink journal lives here (downlinkJournal.ts), so a
   * restarted process sends again what the MCU never acknowledged. Without it the journal is in
   * memory and a kill loses what it held. */
  stateDir?: string;
  /** The port to listen on for the board's UART (0 at first: any free one). */
  linkPort: number;
}

/** What it tells the dev process (IPC). */
export type CoprocessorReport = { kind: "listening"; port: number } | { kind: "link"; up: boolean };

export type CoprocessorProcessOptions = Omit<CoprocessorConfig, "linkPort"> & {
  onLog?: (line: string) => void;
  backoff?: RestartBackoffOptions;
  /** How long a start waits for the MQTT connection and the listening socket (default 30 s). */
  startTimeoutMs?: number;
};

/** Time to say goodbye (offline status, MQTT disconnect) after SIGTERM. */
const STOP_GRACE_MS = 3000;
const MAIN = path.join(__dirname, `coprocessorMain${path.extname(__filename)}`);

export class CoprocessorProcess {
  private current: DeviceProcess | undefined;
  private port = 0;
  private up = false;
  private stopping = false;
  /** Until the first start succeeded, a failure is start()'s to report, not a crash. */
  private first = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff: RestartBackoff;
  /** Starts after a crash so far. */
  restarts = 0;

  private constructor(private readonly options: CoprocessorProcessOptions) {
    this.backoff = new RestartBackoff(options.backoff);
  }

  /** Starts the process; resolves once it is connected to the cloud and listens for the board. */
  static async start(options: CoprocessorProcessOptions): Promise<CoprocessorProcess> {
    const coprocessor = new CoprocessorProcess(options);
    try {
      await coprocessor.spawn();
      coprocessor.first = false;
    } catch (e) {
      coprocessor.stopping = true;
      throw e;
    }
    return coprocessor;
  }

  /** Where the board's UART connects (127.0.0.1). */
  get linkPort(): number {
    return this.port;
  }

  /** Whether the link to the board is up (the co-processor hears its keepalive). */
  get linkUp(): boolean {
    return this.up;
  }

  /** The process now (a new one after each restart); undefined while none runs. */
  get pid(): number | undefined {
    return this.current?.running ? this.current.pid : undefined;
  }

  /** Clean stop: the co-processor says offline for the board and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.current?.stop();
  }

  /** Everything ends now (`snapfleet dev`'s stop budget). */
  async halt(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.current?.kill();
  }

  private log(line: string): void {
    this.options.onLog?.(line);
  }

  private async spawn(): Promise<void> {
    const { onLog, backoff, startTimeoutMs, ...device } = this.options;
    const child = DeviceProcess.fork(MAIN, {}, { name: `the co-processor of ${device.thing}`, stopGraceMs: STOP_GRACE_MS, onLine: (line) => onLog?.(line) });
    this.current = child;
    let listening: () => void = () => {};
    const isListening = new Promise<void>((resolve) => (listening = resolve));
    child.child.on("message", (report: CoprocessorReport) => {
      if (report.kind === "listening") {
        this.port = report.port;
        listening();
      } else if (child === this.current) this.up = report.up;
    });
    child.child.on("error", () => {}); // an IPC send to a process that just died: its exit says it
    void child.exited.then(() => this.ended(child));
    const config: CoprocessorConfig = { ...device, linkPort: this.port };
    child.child.send(config);
    await child.started(isListening, startTimeoutMs ?? 30_000, `connect to ${device.endpoint}:${device.port} and listen for the board`);
  }

  /** A process ended: unless asked to, it crashed; started again after the backoff's delay. */
  private ended(child: DeviceProcess): void {
    if (child !== this.current) return;
    this.up = false;
    if (this.stopping || this.first) return;
    const decision = this.backoff.crashed();
    if (!decision.restart) {
      this.current = undefined;
      this.log(`[coprocessor] process ended (${child.ending}): ${decision.crashes} crashes within ${this.backoff.windowMs / 1000} s, more than the ${this.backoff.maxRestarts} restarts allowed; not restarted, the board stays offline until dev is started again`);
      return;
    }
    this.log(`[coprocessor] process ended (${child.ending}); restarting in ${decision.delayMs / 1000} s (restart ${decision.attempt} of at most ${this.backoff.maxRestarts} within ${this.backoff.windowMs / 1000} s)`);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.restarts++;
      // A start that fails (the broker away, the port taken) ends the process: ended() again.
      this.spawn().then(
        () => this.log(`[coprocessor] restarted (pid ${this.pid}), listening on 127.0.0.1:${this.port} for the board`),
        (e: Error) => this.log(`[coprocessor] restart failed: ${e.message}`),
      );
    }, decision.delayMs);
  }
}
