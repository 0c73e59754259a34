/** The network co-processor (micropython-iot's ESP8266, Microvisor's network half): the host
 * end of the link to one MCU. It holds the device's connection to the cloud (a Transport: MQTT
 * over mutual TLS with the device's certificate, firmware/comms/mqttTransport.ts, or the
 * in-memory one in tests) and speaks it for the MCU: the MCU's publishes and subscriptions go
 * out, messages on its topics come in, PUBACKs go back as PUBLISHED; it streams OTA packages
 * into the MCU (`install`), which verifies them itself; it feeds the simulated board's pins. */
import type { Duplex } from "node:stream";
import type { PackageInfo } from "../../core/contracts/devicePackage";
import type { Transport } from "../transport";
import { LinkSession } from "./linkSession";
import { OTA_REPLY, decodeMcuMessage, encode } from "./linkMessages";

/** Bytes of package per OTA_CHUNK (the frame's body is at most 300). */
export const OTA_CHUNK_BYTES = 256;
/** Chunks queued ahead of the MCU's acks: keeps the link busy without holding the package twice. */
const CHUNKS_AHEAD = 8;
const POLL_MS = 10;

export interface InstallResult {
  status: "SUCCEEDED" | "FAILED" | "REJECTED";
  reason?: string;
}

export interface CoprocessorOptions {
  /** The link: the UART (here QEMU's second serial port over a local TCP socket). */
  link: Duplex;
  cloud: Transport;
  log?: (line: string) => void;
}

export class Coprocessor {
  readonly session: LinkSession;
  private readonly subscriptions = new Map<string, () => void>();
  private readonly timer: NodeJS.Timeout;
  private readonly removeConnectionListener: () => void;
  private replyWaiters: ((reply: { reply: number; jobId: string; reason: string }) => void)[] = [];
  private closed = false;

  constructor(private readonly options: CoprocessorOptions) {
    this.session = new LinkSession({
      write: (bytes) => {
        if (!options.link.destroyed) options.link.write(bytes);
      },
      message: (body) => this.onMessage(body),
      linkChanged: (up) => {
        options.log?.(`[coprocessor] link ${up ? "up" : "down (no keepalive from the MCU)"}`);
        if (up) this.session.send(encode.mqttState(options.cloud.connected));
      },
      peerRestarted: () => {
        options.log?.("[coprocessor] the MCU restarted; resynchronised");
        this.unsubscribeAll(); // it subscribes again
        this.session.send(encode.mqttState(options.cloud.connected));
      },
    });
    options.link.on("data", (bytes: Buffer) => this.session.receive(bytes));
    options.link.on("error", () => {}); // the MCU side going away is an outage, seen by keepalive
    this.removeConnectionListener = options.cloud.onConnectionChange((up) => this.session.send(encode.mqttState(up)));
    this.timer = setInterval(() => this.session.poll(), POLL_MS);
  }

  /** A simulated board input ("A2=const:3.3"), as --pin. */
  setPin(spec: string): void {
    this.session.send(encode.pin(spec));
  }

  /** Streams a device package into the MCU's inactive slot; resolves with the MCU's verdict
   * (after its trial: SUCCEEDED, or FAILED/REJECTED with the reason). */
  async install(pkg: PackageInfo, job: { jobId: string; version: string; engine: string }, timeoutMs = 60_000): Promise<InstallResult> {
    const deadline = Date.now() + timeoutMs;
    this.session.send(encode.otaOffer(pkg.size, job.jobId, job.version, job.engine, pkg.sha256));
    const decision = await this.nextReply(job.jobId, deadline);
    if (decision.reply === OTA_REPLY.ALREADY_INSTALLED) return { status: "SUCCEEDED" };
    if (decision.reply !== OTA_REPLY.PROCEED) return { status: decision.reply === OTA_REPLY.REJECTED ? "REJECTED" : "FAILED", reason: decision.reason };
    for (let offset = 0; offset < pkg.size; offset += OTA_CHUNK_BYTES) {
      while (this.session.queued >= CHUNKS_AHEAD) {
        if (this.closed || Date.now() > deadline) return { status: "FAILED", reason: "the link did not take the package in time" };
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      this.session.send(encode.otaChunk(offset, pkg.bytes.subarray(offset, offset + OTA_CHUNK_BYTES)));
    }
    this.session.send(encode.otaEnd());
    this.options.log?.(`[coprocessor] job ${job.jobId}: package sent (${pkg.size} B); waiting for the MCU's verdict`);
    const verdict = await this.nextReply(job.jobId, deadline);
    return verdict.reply === OTA_REPLY.SUCCEEDED ? { status: "SUCCEEDED" } : { status: "FAILED", reason: verdict.reason };
  }

  close(): void {
    this.closed = true;
    // An install in progress gets its answer from the next co-processor (the MCU reports an
    // interrupted trial again once connected); this one stops waiting.
    const waiters = this.replyWaiters;
    this.replyWaiters = [];
    for (const w of waiters) w({ reply: OTA_REPLY.FAILED, jobId: "", reason: "the co-processor stopped before the MCU's verdict" });
    clearInterval(this.timer);
    this.removeConnectionListener();
    this.unsubscribeAll();
    this.options.link.destroy();
  }

  private nextReply(jobId: string, deadline: number): Promise<{ reply: number; jobId: string; reason: string }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ reply: OTA_REPLY.FAILED, jobId, reason: "no answer from the MCU in time" }), Math.max(0, deadline - Date.now()));
      this.replyWaiters.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  private unsubscribeAll(): void {
    for (const remove of this.subscriptions.values()) remove();
    this.subscriptions.clear();
  }

  private onMessage(body: Uint8Array): void {
    const m = decodeMcuMessage(body);
    const { cloud, log } = this.options;
    if (!m) {
      log?.(`[coprocessor] a malformed message from the MCU (type 0x${(body[0] ?? 0).toString(16)}, ${body.length} bytes) dropped`);
      return;
    }
    if (m.kind === "publish") {
      cloud.publish(m.topic, m.payload.toString("utf8"), m.qos, m.retain).then(
        () => this.session.send(encode.published(m.token, true)),
        () => this.session.send(encode.published(m.token, false)),
      );
    } else if (m.kind === "subscribe") {
      if (this.subscriptions.has(m.topic)) return;
      const remove = cloud.subscribe(m.topic, m.qos, (topic, payload) => {
        if (!this.session.send(encode.message(topic, Buffer.from(payload, "utf8")))) log?.(`[coprocessor] the link's queue is full; a message on ${topic} was dropped`);
      });
      this.subscriptions.set(m.topic, remove);
    } else if (m.kind === "unsubscribe") {
      this.subscriptions.get(m.topic)?.();
      this.subscriptions.delete(m.topic);
    } else {
      const waiters = this.replyWaiters;
      this.replyWaiters = [];
      if (!waiters.length) log?.(`[coprocessor] OTA reply ${m.reply} for job ${m.jobId} with nobody waiting${m.reason ? `: ${m.reason}` : ""}`);
      for (const w of waiters) w(m);
    }
  }
}
