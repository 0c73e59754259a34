/** The co-processor process (started by coprocessorProcess.ts, one per QEMU board): it gets the
 * device's identity as its first IPC message, connects to the cloud as that device (MQTT over
 * mutual TLS, firmware/comms's MqttTransport), listens on 127.0.0.1 for the board's UART and runs
 * a Coprocessor with its Jobs half (coprocessorJobs.ts) on each connection, all of them with the
 * process's downlink journal (downlinkJournal.ts, in config.stateDir) and the MCU's subscriptions
 * (mcuSubscriptions.ts: the device's persistent session, kept across the MCU's restarts and this
 * process's: a stop leaves them at the broker). Log lines go to
 * stdout; the dev process prefixes them with the device's name. SIGTERM, or the dev process
 * going away (the IPC channel closes), is a clean stop: the board is said offline. */
import net from "node:net";
import path from "node:path";
import { encodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { BROADCAST_THING, parseAppTopic, topics } from "../../core/contracts/topics";
import { MqttTransport } from "../comms";
import { Coprocessor } from "./coprocessor";
import { CoprocessorJobs } from "./coprocessorJobs";
import { DownlinkJournal } from "./downlinkJournal";
import { McuSubscriptions } from "./mcuSubscriptions";
import type { CoprocessorConfig, CoprocessorReport } from "./coprocessorProcess";

/** The clean stop's bound: the process ends even if the broker doesn't answer. */
const STOP_LIMIT_MS = 2500;

const log = (line: string) => console.log(line);
const report = (r: CoprocessorReport) => process.connected && process.send!(r);

class CoprocessorService {
  private coprocessor: Coprocessor | undefined;
  private jobs: CoprocessorJobs | undefined;
  private stopped = false;
  private readonly server = net.createServer((socket) => void this.attach(socket));

  constructor(
    private readonly config: CoprocessorConfig,
    private readonly transport: MqttTransport,
    private readonly journal: DownlinkJournal,
    private readonly subscriptions: McuSubscriptions,
  ) {}

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.config.linkPort, "127.0.0.1", () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  /** The board's UART connected (at boot, or again after its socket dropped): a co-processor
   * for it, with the Jobs half on the same MQTT connection. */
  private async attach(socket: net.Socket): Promise<void> {
    socket.setNoDelay(true);
    await this.detach();
    if (this.stopped) return void socket.destroy();
    const coprocessor = new Coprocessor({ link: socket, cloud: this.transport, log, journal: this.journal, subscriptions: this.subscriptions });
    coprocessor.onLinkChange((up) => {
      report({ kind: "link", up });
      // The MCU went silent: the dashboard should not show it online behind a live MQTT session
      // (it says online again when its supervisor is back on the link).
      if (!up) void this.publishOffline();
    });
    const jobs = new CoprocessorJobs({ thing: this.config.thing, connection: this.transport.connection, coprocessor, caCertPem: this.config.caCertPem, installTimeoutMs: this.config.installTimeoutMs, log });
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

  private publishOffline(): Promise<void> {
    const payload = encodeDeviceStatus({ online: false, version: "", bootId: "link", t: Date.now() });
    return this.transport.publish(topics.status(this.config.app, this.config.thing), payload, 1, true).catch(() => {});
  }

  /** Clean stop: the device says offline (retained status), the co-processor disconnects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.server.close();
    await this.detach();
    await this.publishOffline();
    await this.transport.disconnect();
    this.journal.close();
  }
}

/** A message on one of the MCU's down topics (its own or the broadcast one) that the MQTT
 * session brought before the MCU subscribed again (an earlier process's subscriptions, delivered
 * at reconnect): the MCU's, so into the journal (McuSubscriptions.adopt). */
function isForTheMcu(config: CoprocessorConfig, topic: string): boolean {
  const parsed = parseAppTopic(topic);
  return parsed?.kind === "down" && parsed.app === config.app && (parsed.thing === config.thing || parsed.thing === BROADCAST_THING);
}

let service: CoprocessorService | undefined;
let ending = false;

function end(code: number): void {
  if (ending) return;
  ending = true;
  setTimeout(() => process.exit(code), STOP_LIMIT_MS).unref();
  void (service?.stop() ?? Promise.resolve()).catch(() => {}).then(() => process.exit(code));
}

process.on("SIGTERM", () => end(0));
process.on("SIGINT", () => end(0));
process.on("disconnect", () => end(0));

process.once("message", (config: CoprocessorConfig) => {
  void (async () => {
    const journal = DownlinkJournal.open(config.stateDir && path.join(config.stateDir, "downlink.journal"), log);
    const transport = MqttTransport.forDevice(config, log);
    const subscriptions = new McuSubscriptions(transport, journal, log);
    // Before connect(): the broker delivers what it kept for the session right after CONNACK.
    transport.onUnrouted((topic, payload) => {
      if (isForTheMcu(config, topic)) subscriptions.adopt(topic, payload);
    });
    await transport.connect();
    service = new CoprocessorService(config, transport, journal, subscriptions);
    if (ending) return void service.stop();
    const port = await service.listen();
    report({ kind: "listening", port });
  })().catch((e: Error) => {
    log(`[coprocessor] could not start: ${e.message}`);
    end(1);
  });
});
