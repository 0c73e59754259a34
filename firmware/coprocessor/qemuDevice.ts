/** One device of the fleet as an emulated board (`snapfleet dev --device-runtime qemu`): the
 * Cortex-M33 image on QEMU's mps2-an505 (`snapfleet-device connect`: engine, app, supervisor,
 * OTA slots, no network) and its network co-processor, a process of its own on the host
 * (coprocessorProcess.ts), linked over the board's second UART (a TCP socket on 127.0.0.1). The
 * co-processor holds the device's certificate and speaks MQTT over mutual TLS, the Jobs MQTT API
 * and HTTPS download for the board. Mirrors firmware/native/nativeDevice.ts. */
import fs from "node:fs";
import path from "node:path";
import { boardFault, startQemuBoard } from "../native/ports/mps2-an505/qemuBoard";
import { DeviceProcess } from "../deviceProcess";
import type { RestartBackoffOptions } from "../restartBackoff";
import { CoprocessorProcess } from "./coprocessorProcess";

export interface QemuDeviceOptions {
  /** build/firmware/cortex-m33/snapfleet-device.elf (snapfleet firmware build --target cortex-m33), or
   * a TrustZone build's image the core starts in (cortex-m33-tz's secure image, or the
   * supervisor-secure build's device program). */
  image: string;
  /** The non-secure image of a TrustZone build, loaded beside `image` (cortex-m33-tz's device
   * program, or the supervisor-secure build's engine:
   * build/firmware/cortex-m33-tz-supervisor/snapfleet-device-engine.elf). */
  nonSecureImage?: string;
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
  /** When the co-processor process is restarted after a crash (firmware/restartBackoff.ts). */
  coprocessorBackoff?: RestartBackoffOptions;
}

/** The board's last lines kept for boardFault: a fault report is two, QEMU's lockup one. */
const FAULT_REPORT_LINES = 4;

/** The board is powered off (SIGKILL) when QEMU doesn't end on SIGTERM within this. */
const STOP_GRACE_MS = 1000;

export class QemuDevice {
  private board: DeviceProcess | undefined;
  private stopped = false;

  private constructor(
    readonly thing: string,
    private readonly options: QemuDeviceOptions,
    /** The co-processor's process (restarted after a crash). */
    readonly coprocessor: CoprocessorProcess,
  ) {}

  /** The QEMU process, while the board is powered. */
  get boardPid(): number | undefined {
    return this.board?.running ? this.board.pid : undefined;
  }

  /** Starts the co-processor (MQTT connected, listening for the board) and the board; resolves
   * once the link is up, rejects saying why (and with the board's last words) otherwise. */
  static async start(o: QemuDeviceOptions): Promise<QemuDevice> {
    for (const image of [o.image, o.nonSecureImage]) {
      if (image !== undefined && !fs.existsSync(image)) {
        const target = path.basename(path.dirname(image));
        throw new Error(`no Cortex-M33 image at ${path.relative(process.cwd(), image) || image}: build it with \`npx snapfleet firmware build --target ${target.startsWith("cortex-m33") ? target : "cortex-m33"}\``);
      }
    }
    const coprocessor = await CoprocessorProcess.start({
      app: o.app,
      thing: o.thing,
      endpoint: o.endpoint,
      port: o.port,
      caCertPem: o.caCertPem,
      certPem: o.certPem,
      keyPem: o.keyPem,
      keepAliveSeconds: o.keepAliveSeconds,
      installTimeoutMs: o.installTimeoutMs,
      // Its own flash, beside the board's: the downlink journal.
      stateDir: path.join(o.stateDir, "coprocessor"),
      onLog: o.onLog,
      backoff: o.coprocessorBackoff,
    });
    const device = new QemuDevice(o.thing, o, coprocessor);
    try {
      device.powerOn();
      await device.linkUp(o.linkTimeoutMs ?? 60_000);
    } catch (e) {
      await device.halt();
      throw e;
    }
    return device;
  }

  private powerOn(): void {
    const log = this.options.onLog ?? (() => {});
    const deviceArgs = ["connect", "--thing", this.thing, "--state", this.options.stateDir, ...(this.options.pinSpecs ?? []).flatMap((pin) => ["--pin", pin])];
    fs.mkdirSync(this.options.stateDir, { recursive: true });
    // the board's last lines: its fault report, should it fault (boardFault)
    let lastLines: string[] = [];
    const board = DeviceProcess.adopt(startQemuBoard({ image: this.options.image, nonSecureImage: this.options.nonSecureImage, deviceArgs, secondSerial: `tcp:127.0.0.1:${this.coprocessor.linkPort},reconnect=1`, dieWithParent: true }), {
      name: `the board of ${this.thing} (qemu-system-arm)`,
      stopGraceMs: STOP_GRACE_MS,
      onLine: (line) => {
        lastLines = [...lastLines.slice(-(FAULT_REPORT_LINES - 1)), line];
        log(line);
      },
    });
    this.board = board;
    void board.exited.then((status) => {
      if (this.stopped) return;
      const fault = boardFault(status, lastLines.join("\n"));
      log(`[board] QEMU ended (${board.ending})${fault ? `: ${fault}` : ""}`);
    });
  }

  /** Until the co-processor hears the board's keepalive; the board's last words if it ends
   * first or takes too long (then it is switched off). */
  private async linkUp(timeoutMs: number): Promise<void> {
    const board = this.board!;
    let poll: NodeJS.Timeout | undefined;
    const up = new Promise<void>((resolve) => (poll = setInterval(() => this.coprocessor.linkUp && resolve(), 50)));
    try {
      await board.started(up, timeoutMs, "bring its link up");
    } finally {
      clearInterval(poll);
    }
  }

  /** Clean stop: the co-processor says offline for the device (retained status) and
   * disconnects, then the board is switched off (its flash is files written by rename: nothing
   * half-written). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.coprocessor.stop();
    await this.board?.stop();
  }

  /** For `snapfleet dev`'s stop budget: everything ends now. */
  async halt(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.board?.kill(), this.coprocessor.halt().catch(() => {})]);
  }
}
