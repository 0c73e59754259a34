/** One device of the fleet as an emulated board (`snapfleet dev --device-runtime qemu`): the
 * Cortex-M33 image on QEMU's mps2-an505 (`snapfleet-device connect`: engine, app, supervisor,
 * OTA slots, no network) and its network co-processor here on the host, linked over the board's
 * second UART (a TCP socket on 127.0.0.1). The co-processor holds the device's certificate and
 * speaks MQTT over mutual TLS (firmware/comms's MqttTransport), the Jobs MQTT API and HTTPS
 * download (coprocessorJobs.ts) for the board. Mirrors firmware/native/nativeDevice.ts. */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { encodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { topics } from "../../core/contracts/topics";
import { MqttTransport } from "../comms";
import { startQemuBoard } from "../native/ports/mps2-an505/qemuBoard";
import { Coprocessor } from "./coprocessor";
import { CoprocessorJobs } from "./coprocessorJobs";

export interface QemuDeviceOptions {
  /** build/firmware/cortex-m33/snapfleet-device.elf (snapfleet firmware build --target cortex-m33). */
  image: string;
  app: string;
  thing: string;
  /** The board's flash (OTA slots, ota.state), through semihosting: a path without spaces. */
  stateDir: string;
  endpoint: string;
  port: number;
  /** The local cloud's CA; omit on AWS. */
  caCertPem?: string;
  certPem: string;
  keyPem: string;
  pinSpecs?: string[];
  keepAliveSeconds?: number;
  installTimeoutMs?: number;
  onLog?: (line: string) => void;
  /** How long start() waits for the board's link to come up (default 60 s: QEMU boots slowly
   * on a busy machine). */
  linkTimeoutMs?: number;
}

/** The board is powered off (SIGKILL) when QEMU doesn't end on SIGTERM within this. */
const STOP_GRACE_MS = 1000;

/** Splits a stream into lines for `onLine`. */
function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const all = (rest + chunk).split("\n");
    rest = all.pop()!;
    for (const l of all) if (l.trim()) onLine(l.replace(/\r$/, ""));
  });
}

export class QemuDevice {
  private coprocessor: Coprocessor | undefined;
  private jobs: CoprocessorJobs | undefined;
  private board: ChildProcess | undefined;
  private boardExited: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    readonly thing: string,
    private readonly options: QemuDeviceOptions,
    readonly transport: MqttTransport,
    private readonly server: net.Server,
  ) {}

  /** The co-processor on the link now (a new one after each reconnect of the board's UART). */
  get link(): Coprocessor | undefined {
    return this.coprocessor;
  }

  /** Starts the co-processor (MQTT connected, Jobs subscribed) and the board; resolves once the
   * link is up, rejects saying why (and with the board's last words) otherwise. */
  static async start(o: QemuDeviceOptions): Promise<QemuDevice> {
    if (!fs.existsSync(o.image)) {
      throw new Error(`no Cortex-M33 image at ${path.relative(process.cwd(), o.image) || o.image}: build it with \`npx snapfleet firmware build --target cortex-m33\``);
    }
    const log = o.onLog ?? (() => {});
    const transport = MqttTransport.forDevice(o, log);
    await transport.connect();
    const server = net.createServer();
    const device = new QemuDevice(o.thing, o, transport, server);
    server.on("connection", (socket) => void device.attach(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
      device.powerOn();
      await device.linkUp(o.linkTimeoutMs ?? 60_000);
    } catch (e) {
      await device.halt();
      throw e;
    }
    return device;
  }

  /** The board's UART connected (at boot, or again after its socket dropped): a co-processor
   * for it, with the Jobs half on the same MQTT connection. */
  private async attach(socket: net.Socket): Promise<void> {
    socket.setNoDelay(true);
    const log = this.options.onLog ?? (() => {});
    await this.detach();
    if (this.stopped) return void socket.destroy();
    const coprocessor = new Coprocessor({ link: socket, cloud: this.transport, log });
    coprocessor.onLinkChange((up) => {
      // The MCU went silent: the dashboard should not show it online behind a live MQTT session
      // (it says online again when its supervisor is back on the link).
      if (!up) void this.publishOffline();
    });
    const jobs = new CoprocessorJobs({ thing: this.thing, connection: this.transport.connection, coprocessor, caCertPem: this.options.caCertPem, installTimeoutMs: this.options.installTimeoutMs, log });
    this.coprocessor = coprocessor;
    this.jobs = jobs;
    await jobs.start().catch((e: Error) => log(`[coprocessor] Jobs could not start: ${e.message}`));
  }

  private async detach(): Promise<void> {
    const { coprocessor, jobs } = this;
    this.coprocessor = undefined;
    this.jobs = undefined;
    // The Jobs half stops taking jobs first: an install cut short here is not reported FAILED
    // (the MCU tells its verdict to the next co-processor).
    const stopping = jobs?.stop();
    coprocessor?.close();
    await stopping;
  }

  private powerOn(): void {
    const log = this.options.onLog ?? (() => {});
    const { port } = this.server.address() as net.AddressInfo;
    const deviceArgs = ["connect", "--thing", this.thing, "--state", this.options.stateDir, ...(this.options.pinSpecs ?? []).flatMap((pin) => ["--pin", pin])];
    fs.mkdirSync(this.options.stateDir, { recursive: true });
    const board = startQemuBoard({ image: this.options.image, deviceArgs, secondSerial: `tcp:127.0.0.1:${port},reconnect=1` });
    this.board = board;
    this.boardExited = new Promise((resolve) => board.once("close", () => resolve()));
    lines(board.stdout!, log);
    lines(board.stderr!, log);
    board.once("exit", (code, signal) => {
      if (!this.stopped) log(`[board] QEMU ended (${signal ?? `exit status ${code}`})`);
    });
  }

  private async linkUp(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    let exited = false;
    void this.boardExited.then(() => (exited = true));
    while (!this.coprocessor?.session.up) {
      if (exited) throw new Error(`the board of ${this.thing} (qemu-system-arm) ended before its link came up`);
      if (Date.now() > end) throw new Error(`the board of ${this.thing} did not bring its link up within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private publishOffline(): Promise<void> {
    const payload = encodeDeviceStatus({ online: false, version: "", bootId: "link", t: Date.now() });
    return this.transport.publish(topics.status(this.options.app, this.thing), payload, 1, true).catch(() => {});
  }

  /** Clean stop: the device says offline (retained status), the co-processor disconnects, the
   * board is switched off (its flash is files written by rename: nothing half-written). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.detach();
    await this.publishOffline();
    await this.transport.disconnect();
    await this.powerOff();
  }

  /** For `snapfleet dev`'s stop budget: everything ends now. */
  async halt(): Promise<void> {
    this.stopped = true;
    this.board?.kill("SIGKILL");
    await this.detach().catch(() => {});
    await this.transport.disconnect().catch(() => {});
    this.server.close();
    await this.boardExited;
  }

  private async powerOff(): Promise<void> {
    this.board?.kill("SIGTERM");
    const timer = setTimeout(() => this.board?.kill("SIGKILL"), STOP_GRACE_MS);
    await this.boardExited;
    clearTimeout(timer);
    this.server.close();
  }
}
