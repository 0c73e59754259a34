/** The network co-processor (micropython-iot's ESP8266, Microvisor's network half): the host
 * end of the link to one MCU. It holds the device's connection to the cloud (a Transport: MQTT
 * over mutual TLS with the device's certificate, firmware/comms/mqttTransport.ts, or the
 * in-memory one in tests) and speaks it for the MCU: the MCU's publishes and subscriptions go
 * out, messages on its topics come in, PUBACKs go back as PUBLISHED; it offers OTA packages to
 * the MCU and streams them into its inactive slot (`offer`, `stream`; the MCU verifies them
 * itself); it feeds the simulated board's pins. The Jobs half (which package, when, and the
 * job's status) is coprocessorJobs.ts.
 *
 * The downlink's custody: a message from the cloud for the MCU goes into the downlink journal
 * (downlinkJournal.ts, a file in the co-processor's state dir) before anything else, and leaves
 * it only when the MCU link-acknowledged its MESSAGE frame. A co-processor starting (a new
 * process after a kill, or a new UART connection) sends every message still there again, in
 * order; the link's queue holds at most DOWNLINK_AHEAD of them, the rest wait in the journal
 * (none is dropped for a full queue). The MCU drops what it already had (supervisor/
 * reorderBuffer.c by the envelope's `p` for QoS 1, dedupWindow.c for QoS 0), so a message sent
 * again is safe. The MCU also drops, after acknowledging it, a message on a topic it has no
 * subscription for: so only messages on topics it subscribed to in its current session go to it
 * (mcuSubscriptions.ts), and a restart of the MCU takes the others back out of the link's queue.
 * Its subscriptions at the broker are the device's persistent session: an MCU restart (a board
 * reset, a new UART connection) keeps them, messages on them wait in the journal while it boots,
 * and only its app's start (its status `online`) lets go of those it did not subscribe again.
 * The window left: aws-iot-device-sdk-v2's MQTT 3.1.1 client PUBACKs a QoS 1
 * message from its native thread before JavaScript sees it, so a kill in that sub-millisecond
 * gap between the PUBACK and the journal's write still loses the message. Closing it needs the
 * MQTT 5 client's manual acknowledgement (aws-crt 1.33's
 * `MessageReceivedEvent.acknowledgementControl`: PUBACK after the journal's write): the next
 * step, not built. */
import type { Duplex } from "node:stream";
import type { PackageInfo } from "../../core/contracts/devicePackage";
import type { Transport } from "../transport";
import { parseAppTopic } from "../../core/contracts/topics";
import { MAX_BODY } from "./linkFrame";
import { LinkSession } from "./linkSession";
import { OTA_REPLY, decodeMcuMessage, encode } from "./linkMessages";
import { McuStatus } from "./mcuStatus";
import { DownlinkJournal } from "./downlinkJournal";
import { McuSubscriptions } from "./mcuSubscriptions";

/** Bytes of package per OTA_CHUNK (the frame's body is at most 300). */
export const OTA_CHUNK_BYTES = 256;
/** Chunks queued ahead of the MCU's acks: keeps the link busy without holding the package twice. */
const CHUNKS_AHEAD = 8;
const POLL_MS = 10;
/** Journal messages in the link's queue at once: the rest wait in the journal, so PUBLISHED and
 * OTA replies always find room in the queue (MAX_QUEUED) behind a long downlink backlog. */
const DOWNLINK_AHEAD = 32;

export interface InstallResult {
  status: "SUCCEEDED" | "FAILED" | "REJECTED";
  reason?: string;
}

/** What the MCU said about a job (OTA_REPLY). */
export interface OtaReply {
  reply: number;
  jobId: string;
  reason: string;
}

/** An update as the MCU is offered it (OTA_OFFER): it decides from the engine and version. */
export interface OtaOffer {
  jobId: string;
  version: string;
  engine: string;
  size: number;
  /** The job document's (hex): the MCU checks what it received against this, not against
   * anything computed on this side. */
  sha256: string;
}

export interface CoprocessorOptions {
  /** The link: the UART (here QEMU's second serial port over a local TCP socket). */
  link: Duplex;
  cloud: Transport;
  log?: (line: string) => void;
  /** Where messages for the MCU are kept until it acknowledged them (the co-processor process's
   * file, shared by the co-processors of its successive UART connections); default: one in
   * memory, for this co-processor only. */
  journal?: DownlinkJournal;
  /** The MCU's subscriptions at the broker (mcuSubscriptions.ts), kept across the MCU's restarts
   * and so shared like the journal, which it feeds; default: this co-processor's own, let go at
   * close(). */
  subscriptions?: McuSubscriptions;
}

export class Coprocessor {
  readonly session: LinkSession;
  private readonly timer: NodeJS.Timeout;
  private readonly removeConnectionListener: () => void;
  /** Per job id: who waits for the MCU's next word on it. */
  private readonly replyWaiters = new Map<string, ((reply: OtaReply) => void)[]>();
  private readonly unsolicited = new Set<(reply: OtaReply) => void>();
  private readonly linkListeners = new Set<(up: boolean) => void>();
  /** The MCU's status, said again when the cloud's retained one contradicts it (mcuStatus.ts). */
  private readonly mcuStatus = new McuStatus();
  private statusWatch: { topic: string; remove: () => void } | undefined;
  private closed = false;
  readonly journal: DownlinkJournal;
  readonly subscriptions: McuSubscriptions;
  private readonly ownsSubscriptions: boolean;
  private readonly removeJournalListener: () => void;
  /** The journal's messages in this session's queue, not yet acknowledged by the MCU, by number;
   * the link session knows each by its `delivered` callback (for withdraw). */
  private readonly inSession = new Map<number, { topic: string; delivered: () => void }>();

  constructor(private readonly options: CoprocessorOptions) {
    this.journal = options.journal ?? DownlinkJournal.open(undefined, options.log);
    this.ownsSubscriptions = !options.subscriptions;
    this.subscriptions = options.subscriptions ?? new McuSubscriptions(options.cloud, this.journal, options.log);
    // A new link session: whether the MCU restarted or not, it subscribes again (linkNet.c).
    this.subscriptions.mcuRestarted();
    this.removeJournalListener = this.subscriptions.onJournalGrew(() => this.sendJournal());
    this.session = new LinkSession({
      write: (bytes) => {
        if (!options.link.destroyed) options.link.write(bytes);
      },
      message: (body) => this.onMessage(body),
      linkChanged: (up) => {
        options.log?.(`[coprocessor] link ${up ? "up" : "down (no keepalive from the MCU)"}`);
        if (!up) this.mcuStatus.forget();
        if (up) this.session.send(encode.mqttState(options.cloud.connected));
        for (const l of this.linkListeners) l(up);
      },
      peerRestarted: () => {
        options.log?.("[coprocessor] the MCU restarted; resynchronised");
        this.mcuStatus.forget();
        // Until it subscribes again, what it is sent is dropped: the journal keeps it meanwhile.
        this.subscriptions.mcuRestarted();
        this.withdrawJournal();
        this.session.send(encode.mqttState(options.cloud.connected));
      },
    });
    options.link.on("data", (bytes: Buffer) => this.session.receive(bytes));
    options.link.on("error", () => {}); // the MCU side going away is an outage, seen by keepalive
    this.removeConnectionListener = options.cloud.onConnectionChange((up) => this.session.send(encode.mqttState(up)));
    this.timer = setInterval(() => {
      this.session.poll();
      this.sendJournal();
    }, POLL_MS);
    // What an earlier co-processor took and the MCU never acknowledged goes first.
    this.sendJournal();
  }

  /** Moves journal messages into the link's queue, oldest first, while it has room for them;
   * only those on topics the MCU subscribed to in its current session (mcuSubscriptions.ts): the
   * others wait (the journal may have grown from outside: messages the MQTT client got before
   * the MCU subscribed again, coprocessorMain.ts). */
  sendJournal(): void {
    if (this.closed || this.inSession.size >= DOWNLINK_AHEAD || this.journal.size <= this.inSession.size) return;
    for (const entry of this.journal.waiting()) {
      if (this.inSession.size >= DOWNLINK_AHEAD) return;
      if (this.inSession.has(entry.n) || !this.subscriptions.deliverable(entry.topic)) continue;
      const body = encode.message(entry.topic, Buffer.from(entry.payload, "utf8"));
      if (body.length > MAX_BODY) {
        this.options.log?.(`[coprocessor] a message on ${entry.topic} (${body.length} bytes as a link message, at most ${MAX_BODY}) is too long for the link; dropped`);
        this.journal.remove(entry.n);
        continue;
      }
      const delivered = () => {
        this.inSession.delete(entry.n);
        this.journal.remove(entry.n);
        queueMicrotask(() => this.sendJournal());
      };
      if (!this.session.send(body, false, delivered)) return; // the queue is full: at the next poll
      this.inSession.set(entry.n, { topic: entry.topic, delivered });
    }
  }

  /** Takes the journal's messages (on `topic`, or all) back out of the link's queue: the MCU
   * would drop them unread; they wait in the journal for its next subscription. The one in
   * flight stays: its acknowledgement still ends its custody. */
  private withdrawJournal(topic?: string): void {
    const back = new Map<() => void, number>();
    for (const [n, queued] of this.inSession) if (topic === undefined || queued.topic === topic) back.set(queued.delivered, n);
    if (!back.size) return;
    for (const delivered of this.session.withdraw((d) => back.has(d))) this.inSession.delete(back.get(delivered)!);
  }

  /** A simulated board input ("A2=const:3.3"), as --pin. */
  setPin(spec: string): void {
    this.session.send(encode.pin(spec));
  }

  /** Told about every link up and outage (keepalive). */
  onLinkChange(listener: (up: boolean) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  /** Told about the MCU's OTA replies nobody here waits for: the verdict of a trial that
   * outlived the co-processor that started it, a trial a board reset interrupted. */
  onUnsolicitedReply(listener: (reply: OtaReply) => void): () => void {
    this.unsolicited.add(listener);
    return () => this.unsolicited.delete(listener);
  }

  /** Offers an update; resolves with the MCU's decision (PROCEED, ALREADY_INSTALLED, REJECTED;
   * or the verdict, for the job a trial is running for now). */
  offer(offer: OtaOffer, deadline: number): Promise<OtaReply> {
    const reply = this.nextReply(offer.jobId, deadline);
    this.session.send(encode.otaOffer(offer.size, offer.jobId, offer.version, offer.engine, offer.sha256));
    return reply;
  }

  /** After PROCEED: streams the package into the MCU's inactive slot; resolves with the MCU's
   * verdict (after its trial: SUCCEEDED, or FAILED with the reason). */
  async stream(jobId: string, bytes: Uint8Array, deadline: number): Promise<InstallResult> {
    for (let offset = 0; offset < bytes.length; offset += OTA_CHUNK_BYTES) {
      while (this.session.queued >= CHUNKS_AHEAD) {
        if (this.closed || Date.now() > deadline) return { status: "FAILED", reason: "the link did not take the package in time" };
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      this.session.send(encode.otaChunk(offset, bytes.subarray(offset, offset + OTA_CHUNK_BYTES)), true);
    }
    const verdict = this.nextReply(jobId, deadline);
    this.session.send(encode.otaEnd(), true);
    this.options.log?.(`[coprocessor] job ${jobId}: package sent (${bytes.length} B); waiting for the MCU's verdict`);
    return asResult(await verdict);
  }

  /** Offer and stream a package given here (tests; the Jobs half downloads between the two). */
  async install(pkg: PackageInfo, job: { jobId: string; version: string; engine: string }, timeoutMs = 60_000): Promise<InstallResult> {
    const deadline = Date.now() + timeoutMs;
    const decision = await this.offer({ ...job, size: pkg.size, sha256: pkg.sha256 }, deadline);
    if (decision.reply !== OTA_REPLY.PROCEED) return asResult(decision);
    return this.stream(job.jobId, pkg.bytes, deadline);
  }

  close(): void {
    this.closed = true;
    // An install in progress gets its answer from the next co-processor (the MCU reports an
    // interrupted trial again once connected); this one stops waiting.
    const waiting = [...this.replyWaiters];
    this.replyWaiters.clear();
    for (const [jobId, waiters] of waiting) for (const w of waiters) w({ reply: OTA_REPLY.FAILED, jobId, reason: "the co-processor stopped before the MCU's verdict" });
    this.unsolicited.clear();
    this.linkListeners.clear();
    clearInterval(this.timer);
    this.removeConnectionListener();
    this.removeJournalListener();
    // The MCU's subscriptions outlive this UART connection when shared (the process's).
    if (this.ownsSubscriptions) this.subscriptions.close();
    this.statusWatch?.remove();
    this.options.link.destroy();
  }

  private nextReply(jobId: string, deadline: number): Promise<OtaReply> {
    return new Promise((resolve) => {
      const waiters = this.replyWaiters.get(jobId) ?? [];
      this.replyWaiters.set(jobId, waiters);
      const waiter = (reply: OtaReply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        if (!waiters.length && this.replyWaiters.get(jobId) === waiters) this.replyWaiters.delete(jobId);
        resolve({ reply: OTA_REPLY.FAILED, jobId, reason: "no answer from the MCU in time" });
      }, Math.max(0, deadline - Date.now()));
      waiters.push(waiter);
    });
  }

  /** The MCU said its status: remembered, and its topic watched for a late "offline". */
  private relayedStatus(topic: string, payload: string): void {
    this.mcuStatus.relayed(topic, payload);
    if (this.statusWatch?.topic === topic) return;
    this.statusWatch?.remove();
    const { cloud, log } = this.options;
    // An old MCU boot's offline relayed on this connection (sentHere) is stored before the online
    // relayed after it (supervisor.ts, ownStatusHeard). The RETAIN 1 skip of the supervisor does
    // not hold here: this subscription goes out after the MCU's first online, so the stored
    // status it brings may be a will stored after that online.
    const remove = cloud.subscribe(topic, 1, (_topic, heard, { sentHere }) => {
      const again = !sentHere && this.session.up && cloud.connected ? this.mcuStatus.answer(heard) : undefined;
      if (!again) return;
      log?.("[coprocessor] the retained status says offline for another boot or link while the MCU runs: saying online again for it");
      cloud.publish(again.topic, again.payload, 1, true).catch(() => {});
    });
    this.statusWatch = { topic, remove };
  }

  private onMessage(body: Uint8Array): void {
    const m = decodeMcuMessage(body);
    const { cloud, log } = this.options;
    if (!m) {
      log?.(`[coprocessor] a malformed message from the MCU (type 0x${(body[0] ?? 0).toString(16)}, ${body.length} bytes) dropped`);
      return;
    }
    if (m.kind === "publish") {
      const payload = m.payload.toString("utf8");
      cloud.publish(m.topic, payload, m.qos, m.retain).then(
        () => this.session.send(encode.published(m.token, true)),
        () => this.session.send(encode.published(m.token, false)),
      );
      if (m.retain && parseAppTopic(m.topic)?.kind === "status") {
        this.relayedStatus(m.topic, payload);
        // Its app started, after all its subscriptions: the ones it left are let go.
        if (this.mcuStatus.online) this.subscriptions.appStarted();
      }
    } else if (m.kind === "subscribe") {
      this.subscriptions.subscribed(m.topic, m.qos);
      this.sendJournal(); // what waited for it
    } else if (m.kind === "unsubscribe") {
      this.subscriptions.unsubscribed(m.topic);
      this.withdrawJournal(m.topic);
    } else {
      const waiters = this.replyWaiters.get(m.jobId);
      const waiter = waiters?.shift();
      if (waiters && !waiters.length) this.replyWaiters.delete(m.jobId);
      if (waiter) return waiter(m);
      log?.(`[coprocessor] OTA reply ${m.reply} for job ${m.jobId} with nobody waiting${m.reason ? `: ${m.reason}` : ""}`);
      for (const l of this.unsolicited) l(m);
    }
  }
}

function asResult(reply: OtaReply): InstallResult {
  switch (reply.reply) {
    case OTA_REPLY.SUCCEEDED:
    case OTA_REPLY.ALREADY_INSTALLED:
      return { status: "SUCCEEDED" };
    case OTA_REPLY.REJECTED:
      return { status: "REJECTED", reason: reply.reason };
    case OTA_REPLY.PROCEED:
      return { status: "FAILED", reason: "the MCU asked for the package again instead of a verdict" };
    default:
      return { status: "FAILED", reason: reply.reason };
  }
}
