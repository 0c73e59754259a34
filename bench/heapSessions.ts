/** The grow-station's heap runs on QEMU's mps2-an505 that the heap benches share
 * (bench/m0plusHeap.bench.ts: the M33 with the M0+'s settings; bench/tzSupervisorHeap.bench.ts:
 * the supervisor-secure TrustZone build's two heaps): a scripted session, and a connected run
 * against a co-processor. Each prints the device's `heap: peak` lines
 * (firmware/native/ports/posix/heapReport.h) as the run goes. */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { ENGINE_ID } from "../core/compiler/engineId";
import { encodeDevicePackage } from "../core/contracts/devicePackage";
import { Coprocessor } from "../firmware/coprocessor/coprocessor";
import { parseHeapReport, type HeapReport } from "../firmware/native/heapReport";
import { runQemuBoard, startQemuBoard, type QemuBoardOptions } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { waitFor } from "../test/support/waitFor";
import { InMemoryTransport } from "../firmware/transport";

const ROOT = path.resolve(__dirname, "..");
export const PINS = ["A2=const:21.46", "A3=const:1.65"];
export const growStation = (secrets: Record<string, string>) => compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets });
export const devSecrets = () => JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) as Record<string, string>;
/** The grow-station's equivalence script. */
export const equivalenceScript = () => fs.readFileSync(path.join(ROOT, "test/fixtures/native-equivalence/grow-station.jsonl"), "utf8");

type QemuImages = Pick<QemuBoardOptions, "image" | "nonSecureImage">;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 20-minute session: readings every 5 s, a command a minute from two senders (one repeated,
 * some out of order), a pin that changes, an outage of a minute every five. */
export function longSession(minutes = 20): string {
  const steps: object[] = [];
  let seq = 0;
  for (let minute = 0; minute < minutes; minute++) {
    const outage = minute % 5 === 4;
    if (outage) steps.push({ link: "down" });
    for (const sender of ["dash", "srv"]) {
      seq++;
      steps.push({ deliver: "grow-light", value: seq % 2 === 0, id: `${sender}:${seq}` });
    }
    if (minute % 3 === 0) steps.push({ deliver: "grow-light", value: true, id: `dash:${seq}` }); // a repeat
    steps.push({ pin: `A3=const:${(1 + (minute % 7) * 0.3).toFixed(2)}` });
    for (let s = 0; s < 12; s++) steps.push({ advance: 5000 });
    if (outage) steps.push({ link: "up" });
  }
  return steps.map((s) => JSON.stringify(s)).join("\n") + "\n";
}

export async function scripted(images: QemuImages, appDir: string, name: string, script: string): Promise<void> {
  const started = Date.now();
  const { status, stdout, stderr } = await runQemuBoard({ ...images, deviceArgs: ["run", "--build", appDir, "--script", "-", ...PINS.flatMap((p) => ["--pin", p])] }, script, 1_800_000);
  if (status !== 0) throw new Error(`${name}: the device ended with status ${status}: ${stderr}`);
  const vm = /VM memory: peak (\d+) B/.exec(stderr)?.[1];
  console.log(`scripted, ${name}: ${stdout.split("\n").filter(Boolean).length} lines in ${((Date.now() - started) / 1000).toFixed(0)} s; VM memory peak ${vm} B; ${describeBoth(stderr)}`);
}

const describe = (h: HeapReport | undefined) => (h ? `peak ${h.peak.toLocaleString("en-US")} B, ${h.inUse.toLocaleString("en-US")} B in use, the C heap's top ${h.top.toLocaleString("en-US")} B` : "not reported");
/** The heap's line, and the engine image's where the build has one (the supervisor-secure build). */
const describeBoth = (text: string) => {
  const engine = parseHeapReport(text, true);
  return `heap ${describe(parseHeapReport(text))}${engine ? `; engine heap ${describe(engine)}` : ""}`;
};

export async function connected(images: QemuImages, stateDir: string, senders = 2): Promise<void> {
  const moreSenders = ["tab", "tab2"].slice(0, senders - 2);
  const cloud = new InMemoryTransport();
  const coprocessors: Coprocessor[] = [];
  const log: string[] = [];
  const server = net.createServer((socket) => void coprocessors.push(new Coprocessor({ link: socket, cloud, log: (l) => log.push(l) })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  let console_ = "";
  fs.mkdirSync(stateDir, { recursive: true }); // the board's flash: files the device writes through semihosting
  const board = startQemuBoard({ ...images, deviceArgs: ["connect", "--thing", "nano-1", "--state", stateDir, ...PINS.flatMap((p) => ["--pin", p])], secondSerial: `tcp:127.0.0.1:${port},reconnect=1` });
  board.stdout!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
  board.stderr!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
  const step = (what: string) => console.log(`connected: ${what} (${describeBoth(lastReports(console_))})`);
  const up = () => cloud.sent.filter((m) => m.topic.endsWith("/up"));
  try {
    await waitFor("the board's link", () => coprocessors[0]?.session.up === true, 120_000);
    const first = coprocessors[0];
    const v1 = await growStation(devSecrets());
    const installed = await first.install(encodeDevicePackage(v1.manifest, v1.snapshots.device), { jobId: "job-1", version: v1.manifest.version, engine: ENGINE_ID }, 300_000);
    if (installed.status !== "SUCCEEDED") throw new Error(`the first install: ${JSON.stringify(installed)}\n${console_}`);
    await waitFor("readings", () => up().length >= 4, 120_000);
    step("installed, reading");
    const isDown = (t: string) => t.endsWith("/grow-light/down") && t.includes("nano-1");
    await waitFor("the grow light's subscription", () => cloud.subscribedTopics.some(isDown), 60_000);
    const down = cloud.subscribedTopics.find(isDown)!;
    // Two senders, one message repeated, two out of order (the later one first).
    const command = (sender: string, seq: number, on: boolean, previous?: number) => cloud.inject(down, JSON.stringify({ id: `${sender}:${seq}`, v: on, t: Date.now(), ...(previous === undefined ? {} : { p: previous }) }));
    for (let seq = 1; seq <= 40; seq++) {
      command("dash", seq, seq % 2 === 0, seq - 1);
      command("srv", 1000 + seq, seq % 2 === 1);
      // more tabs: grow-light is QoS 1, so more reorder chains, not dedup windows
      moreSenders.forEach((sender, i) => command(sender, 2000 + 1000 * i + seq, seq % 3 === i));
      if (seq % 5 === 0) command("dash", seq, seq % 2 === 0, seq - 1);
      await sleep(250);
    }
    command("dash", 42, true, 41);
    command("dash", 41, false, 40);
    await sleep(10_000);
    step("commands delivered");
    // The outage: the co-processor goes; the app's readings and log lines queue on the MCU.
    first.close();
    await sleep(60_000);
    step("after a minute's outage");
    await waitFor("the co-processor again", () => coprocessors[1]?.session.up === true, 120_000);
    const second = coprocessors[1];
    await sleep(20_000);
    step("the link back, the queue sent");
    const v2 = await growStation({ ...devSecrets(), ssid: "greenhouse-lab-2" });
    const installed2 = await second.install(encodeDevicePackage(v2.manifest, v2.snapshots.device), { jobId: "job-2", version: v2.manifest.version, engine: ENGINE_ID }, 300_000);
    if (installed2.status !== "SUCCEEDED") throw new Error(`the second install: ${JSON.stringify(installed2)}\n${console_}`);
    await sleep(30_000);
    step("the second version installed and running");
    console.log(`connected: ${up().length} messages up; the device's last heap lines: ${describeBoth(lastReports(console_))}`);
    // what the reorder window's bounds cost, as the device reported it on its log topic
    const bounds = cloud.sent.filter((m) => m.topic.includes("/_log/")).map((m) => JSON.parse(m.payload).msg as string).filter((l) => /^the reorder window|^no memory for the reorder window|later messages waiting|B waiting;|the chain was forgotten/.test(l));
    console.log(`connected: ${bounds.length} reorder-bound lines on the log topic${bounds.length ? `, the first: ${bounds[0]}` : ""}`);
    if (process.env.HEAP_CONSOLE) fs.writeFileSync(process.env.HEAP_CONSOLE, console_);
  } finally {
    board.kill("SIGKILL");
    coprocessors.forEach((c) => c.close());
    server.close();
  }
}

/** The last `heap: peak` line the board printed, and the last `engine heap: peak` line. */
const lastReports = (text: string) => ["heap: peak", "engine heap: peak"].map((start) => text.split("\n").filter((l) => l.startsWith(start)).pop() ?? "").join("\n");

