/** The Microvisor split on an emulated board: the Cortex-M33 image on QEMU's mps2-an505 runs
 * `snapfleet-device connect` (the device without a network of its own); its UART1 is the link,
 * here a TCP socket on 127.0.0.1 to the co-processor (firmware/coprocessor/), which speaks to
 * the cloud (the in-memory transport). The board starts empty: the first app arrives over the
 * link as an OTA package the MCU verifies itself. Then the co-processor is killed and started
 * again: the link resynchronises and the app's messages go on. Skipped, saying why, without
 * qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { ENGINE_ID } from "../../core/compiler/engineId";
import { encodeDevicePackage } from "../../core/contracts/devicePackage";
import { crossToolchainUnavailable } from "../../test/support/crossToolchain";
import { compileNativeApp } from "../../test/support/nativeFleet";
import { InMemoryTransport } from "../transport";
import { qemuUnavailable, startQemuBoard } from "../native/ports/mps2-an505/qemuBoard";
import { Coprocessor } from "./coprocessor";
import { skipIfUnavailable } from "../../test/support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "../..");

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the Cortex-M33 board on QEMU with its network co-processor over the link", function () {
  this.timeout(300_000);
  let image: string;
  let board: ChildProcess | undefined;
  let server: net.Server | undefined;
  const coprocessors: Coprocessor[] = [];
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-qemu-link-"));
  let console_ = "";
  let port = 0;
  let cloud: InMemoryTransport;
  const log: string[] = [];
  let v1 = "";

  function startBoard(): void {
    board = startQemuBoard({ image, deviceArgs: ["connect", "--thing", "qemu-1", "--state", stateDir, "--pin", "A2=const:21.46"], secondSerial: `tcp:127.0.0.1:${port},reconnect=1` });
    board.stdout!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
    board.stderr!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
  }
  const upTopics = () => cloud.sent.filter((m) => m.topic.endsWith("/temperature/up"));

  before(async function () {
    skipIfUnavailable(this, qemuUnavailable() ?? crossToolchainUnavailable());
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    ({ program: image } = await buildFirmware({ target: "cortex-m33", log: () => {} }));
  });

  after(() => {
    coprocessors.forEach((c) => c.close());
    board?.kill("SIGKILL");
    server?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("installs the first app over the link, runs it, and resynchronises after the co-processor restarts", async () => {
    cloud = new InMemoryTransport();
    server = net.createServer((socket) => {
      coprocessors.push(new Coprocessor({ link: socket, cloud, log: (l) => log.push(l) }));
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
    startBoard();

    const first = await until("the board to connect its link", () => coprocessors[0]);
    await until("the link to come up", () => first.session.up);
    await until("the empty board to say so", () => /no app installed; waiting for one over the link/.test(console_));

    const build = await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets: JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) });
    const pkg = encodeDevicePackage(build.manifest, build.snapshots.device);
    v1 = build.manifest.version;

    // A package that does not match its offer (one byte changed) is refused by the MCU itself.
    const forged = { ...pkg, bytes: Uint8Array.from(pkg.bytes, (b, i) => (i === pkg.size - 10 ? b ^ 1 : b)) };
    const refused = await first.install(forged, { jobId: "job-forged", version: build.manifest.version, engine: ENGINE_ID });
    assert.equal(refused.status, "FAILED", JSON.stringify(refused));
    assert.match(refused.reason ?? "", /sha256|SHA-256/i);

    const installed = await first.install(pkg, { jobId: "job-1", version: build.manifest.version, engine: ENGINE_ID });
    assert.deepEqual(installed, { status: "SUCCEEDED" }, console_);
    await until("temperature readings from the app", () => upTopics().length >= 2);
    const reading = JSON.parse(upTopics()[0].payload);
    assert.equal(reading.v, 21.5, "the pin model reached the board");

    // Kill the co-processor: the board sees the outage by keepalive, QEMU reconnects the UART's
    // socket, a new co-processor starts and the link resynchronises.
    first.close();
    const before = upTopics().length;
    const second = await until("a new co-processor connection", () => coprocessors[1], 30_000);
    await until("the link up again", () => second.session.up, 30_000);
    await until("readings after the restart", () => upTopics().length >= before + 2, 30_000);
    const ids = upTopics().map((m) => JSON.parse(m.payload).id);
    assert.equal(new Set(ids).size, ids.length, "no reading twice");
    assert.ok(second.session.peerRestarts === 0 && first.session.retransmissions >= 0);
    const status = cloud.sent.filter((m) => m.topic.endsWith("/_status")).map((m) => JSON.parse(m.payload).online);
    assert.equal(status[status.length - 1], true, "online again");
  });

  it("a reset of the board during an update's trial boots the previous version and reports the job FAILED", async () => {
    const build = await compileFeatures({ entry: path.join(ROOT, "test/fixtures/native-equivalence/coded-logger/features/app.ts") });
    const pkg = encodeDevicePackage(build.manifest, build.snapshots.device);
    const current = coprocessors[coprocessors.length - 1];
    const install = current.install(pkg, { jobId: "job-2", version: build.manifest.version, engine: ENGINE_ID }, 120_000);
    // All chunks and the end crossed the link (the MCU verified and staged the package and started
    // the new app on trial, whose grace period is 5 s): the power goes.
    await until("the package to cross the link", () => log.some((l) => l.includes("job job-2: package sent")) && current.session.queued === 0);
    await new Promise((r) => setTimeout(r, 1000));
    board!.kill("SIGKILL");
    await new Promise((r) => board!.once("close", r));
    current.close();
    const count = coprocessors.length;
    console_ = "";
    startBoard();
    const next = await until("the co-processor after the reset", () => coprocessors[count], 30_000);
    await until("the job's verdict after the reset", () => log.find((l) => /OTA reply 4 for job job-2/.test(l)), 30_000);
    await until(`the previous version (${v1.slice(0, 12)}) to boot`, () => console_.includes(`starting version ${v1}`));
    const before = upTopics().length;
    await until("readings of the previous version again", () => next.session.up && upTopics().length >= before + 2, 30_000);
    assert.deepEqual(await install, { status: "FAILED", reason: "the co-processor stopped before the MCU's verdict" });
  });

  it("refuses an update built for another board before its engine sees it: FAILED in the TypeScript device's words, the running version goes on", async () => {
    const build = await compileNativeApp(`  api.mcu.setInterval(() => api.log("on an ESP32"), 1000);`, "esp32-devkitc");
    const pkg = encodeDevicePackage(build.manifest, build.snapshots.device);
    const current = coprocessors[coprocessors.length - 1];
    await until("the link up", () => current.session.up, 30_000);
    const result = await current.install(pkg, { jobId: "job-esp32", version: build.manifest.version, engine: ENGINE_ID });
    assert.equal(result.status, "FAILED", JSON.stringify(result));
    const words = `${build.manifest.app} ${build.manifest.version.slice(0, 12)} was built for board "esp32-devkitc", this device is a "simulated": rebuild with --board simulated`;
    assert.ok(result.reason?.includes(words), `${result.reason} names the boards as firmware/device.ts does`);
    assert.ok(!console_.includes(`starting version ${build.manifest.version}`), "the other board's app never started");
    const before = upTopics().length;
    await until(`readings of the running version (${v1.slice(0, 12)}) still`, () => upTopics().length >= before + 2, 30_000);
  });
});
