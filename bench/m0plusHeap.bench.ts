/** The Cortex-M0+ grow-station's heap, measured (issue 12): nothing here emulates the SAMD21, so
 * the Cortex-M33 image is built with the M0+'s settings (build-firmware --settings-of
 * cortex-m0plus: its limits, its link queues, its engine's collection after 1 KB) for the
 * grow-station alone, and runs on QEMU's mps2-an505:
 *
 * - scripted: the grow-station's equivalence script and a 20-minute session (the scripted
 *   host's own queues are the TypeScript device's, 500 messages: larger than the M0+'s);
 * - connected (`snapfleet-device connect`, the M0+'s program: the link device, its supervisor
 *   with the M0+'s queues) to its co-processor over the second UART: the app installed over the
 *   link, commands from two senders with duplicates and out of order, an outage while the app
 *   publishes (its messages queued), the link back, a second version installed over the link.
 *
 * Each run prints the device's `heap: peak` line (ports/posix/heapReport.h); the connected run's
 * peak is sizeBudget.json's heapPeakBytes. Times are QEMU's on this machine, not the board's.
 * `--scripted-only`, `--connected-only`: one part; `--senders 3` or `4`: a third (and fourth)
 * command sender in the connected run; HEAP_CONSOLE=FILE keeps the board's console. */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { ENGINE_ID } from "../core/compiler/engineId";
import { writeBuild } from "../core/contracts/buildOutput";
import { encodeDevicePackage } from "../core/contracts/devicePackage";
import { Coprocessor } from "../firmware/coprocessor/coprocessor";
import { parseHeapReport, type HeapReport } from "../firmware/native/heapReport";
import { qemuUnavailable, runQemuBoard, startQemuBoard } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { crossToolchainUnavailable } from "../test/support/crossToolchain";
import { waitFor } from "../test/support/waitFor";
import { InMemoryTransport } from "../firmware/transport";

const ROOT = path.resolve(__dirname, "..");
const PINS = ["A2=const:21.46", "A3=const:1.65"];
const growStation = (secrets: Record<string, string>) => compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets });
const devSecrets = () => JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) as Record<string, string>;

/** `--senders 3` or `4`: a third and fourth sender of commands in the connected run (more browser
 * tabs). The grow light's commands are QoS 1 (the channel's default): each sender is a reorder
 * chain (supervisor/reorderBuffer.c; the M0+ remembers two, SF_REORDER_MAX_STREAMS); the
 * grow-station has no QoS 0 channel the cloud sends on, so its dedup window stays empty here. */
const SENDERS = process.argv.includes("--senders") ? Number(process.argv[process.argv.indexOf("--senders") + 1]) : 2;
const MORE_SENDERS = ["tab", "tab2"].slice(0, SENDERS - 2);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 20-minute session: readings every 5 s, a command a minute from two senders (one repeated,
 * some out of order), a pin that changes, an outage of a minute every five. */
function longSession(minutes = 20): string {
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

async function scripted(image: string, appDir: string, name: string, script: string): Promise<void> {
  const started = Date.now();
  const { status, stdout, stderr } = await runQemuBoard({ image, deviceArgs: ["run", "--build", appDir, "--script", "-", ...PINS.flatMap((p) => ["--pin", p])] }, script, 1_800_000);
  if (status !== 0) throw new Error(`${name}: the device ended with status ${status}: ${stderr}`);
  const heap = parseHeapReport(stderr);
  const vm = /VM memory: peak (\d+) B/.exec(stderr)?.[1];
  console.log(`scripted, ${name}: ${stdout.split("\n").filter(Boolean).length} lines in ${((Date.now() - started) / 1000).toFixed(0)} s; VM memory peak ${vm} B; heap ${describe(heap)}`);
}

const describe = (h: HeapReport | undefined) => (h ? `peak ${h.peak.toLocaleString("en-US")} B, ${h.inUse.toLocaleString("en-US")} B in use, the C heap's top ${h.top.toLocaleString("en-US")} B` : "not reported");

async function connected(image: string, stateDir: string): Promise<void> {
  const cloud = new InMemoryTransport();
  const coprocessors: Coprocessor[] = [];
  const log: string[] = [];
  const server = net.createServer((socket) => void coprocessors.push(new Coprocessor({ link: socket, cloud, log: (l) => log.push(l) })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  let console_ = "";
  fs.mkdirSync(stateDir, { recursive: true }); // the board's flash: files the device writes through semihosting
  const board = startQemuBoard({ image, deviceArgs: ["connect", "--thing", "nano-1", "--state", stateDir, ...PINS.flatMap((p) => ["--pin", p])], secondSerial: `tcp:127.0.0.1:${port},reconnect=1` });
  board.stdout!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
  board.stderr!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
  const step = (what: string) => console.log(`connected: ${what} (${describe(lastReport(console_))})`);
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
      MORE_SENDERS.forEach((sender, i) => command(sender, 2000 + 1000 * i + seq, seq % 3 === i));
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
    console.log(`connected: ${up().length} messages up; the device's last heap line: ${describe(lastReport(console_))}`);
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

/** The last `heap: peak` line the board printed. */
const lastReport = (text: string) => parseHeapReport(text.split("\n").filter((l) => l.startsWith("heap: peak")).pop() ?? "");

async function main(): Promise<void> {
  if (![2, 3, 4].includes(SENDERS)) throw new Error(`--senders: 2, 3 or 4 command senders, got ${process.argv[process.argv.indexOf("--senders") + 1]}`);
  const unavailable = qemuUnavailable() ?? crossToolchainUnavailable();
  if (unavailable) return console.log(`skipped: ${unavailable}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sf-m0heap-"));
  try {
    const appDir = path.join(work, "app");
    writeBuild(appDir, await growStation(devSecrets()));
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const { program } = await buildFirmware({ target: "cortex-m33", appDir, settingsOf: "cortex-m0plus", outDir: path.join(work, "image"), log: () => {} });
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(", ")}`);
    if (!process.argv.includes("--connected-only")) {
      await scripted(program, appDir, "the equivalence script", fs.readFileSync(path.join(ROOT, "test/fixtures/native-equivalence/grow-station.jsonl"), "utf8"));
      await scripted(program, appDir, "a 20-minute session", longSession());
    }
    if (!process.argv.includes("--scripted-only")) await connected(program, path.join(work, "state"));
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(", ")}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
