/** The downlink tests' bench: the real local cloud (broker, Jobs), an app with a server-to-device
 * QoS 1 channel that echoes every number it is handed, installed over the air on an emulated
 * Cortex-M33 board (QEMU) whose UART goes through a LinkProxy to its co-processor, run in its own
 * process (CoprocessorProcess). The tests send numbered messages from the server side and read
 * back what the app echoed (firmware/coprocessor/downlinkCustody.test.ts,
 * downlinkMcuRestart.test.ts). */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { LocalCloud } from "../../local/cloud/localCloud";
import { CoprocessorProcess } from "../../firmware/coprocessor/coprocessorProcess";
import { startQemuBoard } from "../../firmware/native/ports/mps2-an505/qemuBoard";
import { LinkProxy } from "./linkProxy";
import { cortexM33Image, qemuFleetUnavailable } from "./qemuFleet";
import { writeFeatures } from "./tempFeatures";
import { skipIfUnavailable } from "./skipIfUnavailable";

/** Echoes every number the server sends on `order` (QoS 1 both ways). */
export const ECHO_APP = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const echo = api.newCommsChannel<number>("echo", { direction: "device-to-server", qos: 1 });
  const order = api.newCommsChannel<number>("order", { direction: "server-to-device", qos: 1 });
  order.addEventListener("messageFromServer", (n: number) => echo.pushMessageToServer(n));
}
`;

/** Call inside a describe(): skips the suite, saying why, without qemu-system-arm or the
 * arm-none-eabi toolchain; after it, stops the bench and removes its state dir. Returns what
 * starts the bench (once per suite) for the thing named. */
export function downlinkBenchSuite(stateDirPrefix: string): (thing: string) => Promise<DownlinkBench> {
  const stateDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), stateDirPrefix));
  let bench: DownlinkBench | undefined;
  before(function () {
    skipIfUnavailable(this, qemuFleetUnavailable());
  });
  after(async () => {
    await bench?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  return async (thing) => (bench = await DownlinkBench.start(stateDir, thing));
}

export async function until(what: string, check: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class DownlinkBench {
  /** What the app echoed, by envelope id: the MCU sends an unacknowledged echo again after an
   * outage, and a repeat id is one echo. */
  private readonly echoes = new Map<string, number>();
  /** The board's PUBACKs of messages on the down topic, seen at the broker. */
  acked = 0;
  /** Numbers sent so far (1, 2, ...). */
  sent = 0;
  board: ChildProcess | undefined;
  /** Boards started so far (a reset is one more). */
  boots = 0;
  private readonly sender = new EnvelopeSender("server");

  private constructor(
    readonly stateDir: string,
    readonly thing: string,
    readonly cloud: LocalCloud,
    readonly jobId: string,
    readonly coprocessor: CoprocessorProcess,
    readonly proxy: LinkProxy,
    /** The cloud's, the co-processor's and the board's log lines. */
    readonly logs: string[],
  ) {}

  /** The cloud, the app deployed, the co-processor process and the proxy; no board yet. */
  static async start(stateDir: string, thing: string): Promise<DownlinkBench> {
    const logs: string[] = [];
    const build = await compileFeatures({ entry: writeFeatures({ "app.ts": ECHO_APP }, "downlink-app") });
    const cloud = await LocalCloud.start({ stateDir: path.join(stateDir, "cloud"), build, port: 0, dashboardBundleDir: null, log: (l) => logs.push(`[cloud] ${l}`) });
    const { jobId } = await cloud.deploy(build);
    const identity = await cloud.broker.provisionDevice(thing);
    cloud.addDevice(thing);
    const coprocessor = await CoprocessorProcess.start({
      app: cloud.app,
      thing,
      endpoint: "127.0.0.1",
      port: cloud.broker.mqttsPort,
      caCertPem: cloud.broker.caCertPem,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      stateDir: path.join(stateDir, "coprocessor"),
      onLog: (l) => logs.push(l),
    });
    const proxy = await LinkProxy.start(() => coprocessor.linkPort);
    const bench = new DownlinkBench(stateDir, thing, cloud, jobId!, coprocessor, proxy, logs);
    await bench.watchBroker();
    return bench;
  }

  get down(): string {
    return topics.down(this.cloud.app, this.thing, "order");
  }

  /** The numbers the app echoed, in the order their echoes arrived. */
  heard(): number[] {
    return [...this.echoes.values()];
  }

  explain = (): string => this.logs.slice(-80).join("\n");

  /** Sends the next `count` numbers (QoS 1, in envelopes as the server's SDK sends them). */
  async send(count: number): Promise<void> {
    const { aedes } = this.cloud.broker;
    for (let i = 0; i < count; i++) {
      const payload = Buffer.from(this.sender.encode(this.down, ++this.sent, Date.now()));
      await new Promise<void>((resolve) => aedes.publish({ cmd: "publish", topic: this.down, payload, qos: 1, retain: false, dup: false }, () => resolve()));
    }
  }

  /** Powers the board on (again): QEMU with the same flash (its state dir), its UART through the proxy. */
  async startBoard(): Promise<void> {
    const boardDir = path.join(this.stateDir, "board");
    fs.mkdirSync(boardDir, { recursive: true });
    const board = startQemuBoard({ image: await cortexM33Image(), deviceArgs: ["connect", "--thing", this.thing, "--state", boardDir], secondSerial: `tcp:127.0.0.1:${this.proxy.port},reconnect=1`, dieWithParent: true });
    const boot = ++this.boots;
    let partial = "";
    board.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const lines = (partial + d).split("\n");
      partial = lines.pop()!;
      this.logs.push(...lines.map((l) => `[board ${boot}] ${l}`));
    });
    this.board = board;
  }

  /** Pulls the board's power: QEMU killed, gone before this returns. */
  async killBoard(): Promise<void> {
    const board = this.board;
    if (!board || board.exitCode !== null || board.signalCode !== null) return;
    const closed = new Promise((r) => board.once("close", r));
    board.kill("SIGKILL");
    await closed;
  }

  /** The app's job SUCCEEDED for this board. */
  installed(): boolean {
    try {
      return this.cloud.jobs.book.execution(this.thing, this.jobId).status === "SUCCEEDED";
    } catch {
      return false; // no execution for this board yet
    }
  }

  async stop(): Promise<void> {
    await this.killBoard();
    await this.coprocessor.halt();
    await this.proxy.stop();
    await this.cloud.stop();
  }

  private async watchBroker(): Promise<void> {
    const { aedes } = this.cloud.broker;
    await new Promise<void>((resolve) => aedes.subscribe(topics.up(this.cloud.app, this.thing, "echo"), (packet, done) => {
      done();
      const { id, v } = JSON.parse(String(packet.payload)) as { id: string; v: number };
      this.echoes.set(id, v);
    }, resolve));
    aedes.on("ack", (packet, client) => {
      if (client?.id === this.thing && packet && "topic" in packet && packet.topic === this.down) this.acked++;
    });
  }
}
