/** The device's `heap: peak` line (ports/posix/heapReport.h, parsed by heapReport.ts): the
 * Cortex-M33 image built with the M0+'s settings for the grow-station alone (build-firmware
 * --settings-of cortex-m0plus, what sizeBudget.json's heapPeakBytes is measured with) prints it
 * after a scripted run on QEMU, beside the VM's own peak; the POSIX host, whose allocator says
 * nothing of a board's heap, doesn't. Skipped, saying why, without qemu-system-arm or the
 * arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { writeBuild } from "../../core/contracts/buildOutput";
import { crossToolchainUnavailable } from "../../test/support/crossToolchain";
import { parseHeapReport } from "./heapReport";
import { qemuUnavailable, runQemuBoard } from "./ports/mps2-an505/qemuBoard";
import { skipIfUnavailable } from "../../test/support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = fs.readFileSync(path.join(ROOT, "test/fixtures/native-equivalence/grow-station.jsonl"), "utf8");
const scriptArgs = (appDir: string) => ["run", "--build", appDir, "--script", "-", "--pin", "A2=const:21.46", "--pin", "A3=const:1.65"];

describe("parseHeapReport", () => {
  it("reads the three figures of the line, wherever it is in the output", () => {
    assert.deepEqual(parseHeapReport("VM memory: peak 3676 B, 556 B in use at the end\nheap: peak 16820 B, 12820 B in use, the C heap's top 178244 B\n"), { peak: 16820, inUse: 12820, top: 178244 });
  });
  it("nothing from output without the line, or with a damaged one", () => {
    assert.equal(parseHeapReport("VM memory: peak 3676 B, 556 B in use at the end\n"), undefined);
    assert.equal(parseHeapReport("heap: peak 16820 B, 12820 B in use\n"), undefined);
    assert.equal(parseHeapReport("heap: peak -1 B, 0 B in use, the C heap's top 0 B\n"), undefined);
  });
  it("the supervisor-secure build's engine line apart from the secure image's", () => {
    const both = "heap: peak 20792 B, 19184 B in use, the C heap's top 182740 B\nengine heap: peak 8620 B, 6292 B in use, the C heap's top 11556 B\n";
    assert.deepEqual(parseHeapReport(both), { peak: 20792, inUse: 19184, top: 182740 });
    assert.deepEqual(parseHeapReport(both, true), { peak: 8620, inUse: 6292, top: 11556 });
    assert.equal(parseHeapReport("engine heap: peak 8620 B, 6292 B in use, the C heap's top 11556 B\n"), undefined, "the engine's line is not the device's");
    assert.equal(parseHeapReport("heap: peak 20792 B, 19184 B in use, the C heap's top 182740 B\n", true), undefined);
  });
});

describe("the heap's peak, measured on the Cortex-M33 with the M0+'s settings", function () {
  this.timeout(600_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sf-heap-report-"));
  const appDir = path.join(work, "app");
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  before(async function () {
    skipIfUnavailable(this, qemuUnavailable() ?? (process.getuid?.() === 0 ? undefined : crossToolchainUnavailable()));
    const secrets = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8"));
    writeBuild(appDir, await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets }));
  });

  it("the grow-station's script: the heap's peak holds the supervisor, sf_Vm and the VM's peak, the heap's top holds the peak", async () => {
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const m0 = await buildFirmware({ target: "cortex-m0plus", appDir, outDir: path.join(work, "m0plus"), log: () => {} });
    const m33 = await buildFirmware({ target: "cortex-m33", appDir, settingsOf: "cortex-m0plus", outDir: path.join(work, "m33"), log: () => {} });
    // The M0+'s settings reached the M33's C sources: the same supervisor and sf_Vm (their DWARF).
    assert.equal(m33.report.vm.supervisorBytes, m0.report.vm.supervisorBytes, "sf_Supervisor as on the M0+");
    assert.equal(m33.report.vm.vmBytes, m0.report.vm.vmBytes, "sf_Vm as on the M0+");
    const { status, stderr } = await runQemuBoard({ image: m33.program, deviceArgs: scriptArgs(appDir) }, SCRIPT);
    assert.equal(status, 0, stderr);
    const vmPeak = Number(/^VM memory: peak (\d+) B/m.exec(stderr)?.[1]);
    const heap = parseHeapReport(stderr);
    assert.ok(heap, `the run reports its heap:\n${stderr}`);
    assert.ok(vmPeak > 0, stderr);
    // Every VM block is a heap block (vmMemory.c's own header on it), beside the supervisor and sf_Vm.
    assert.ok(heap.peak >= m0.report.vm.supervisorBytes + m0.report.vm.vmBytes + vmPeak, `peak ${heap.peak} B holds sf_Supervisor, sf_Vm and the VM's ${vmPeak} B`);
    assert.ok(heap.inUse <= heap.peak && heap.peak <= heap.top, JSON.stringify(heap));
  });

  it("the supervisor-secure TrustZone build: the secure image's heap and the engine image's own, the engine's holding the VM's peak and the snapshot it runs from", async () => {
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const split = await buildFirmware({ target: "cortex-m33-tz-supervisor", log: () => {} });
    const { status, stderr } = await runQemuBoard({ image: split.program, nonSecureImage: split.engineImage, deviceArgs: scriptArgs(appDir) }, SCRIPT);
    assert.equal(status, 0, stderr);
    const vmPeak = Number(/^VM memory: peak (\d+) B/m.exec(stderr)?.[1]);
    const secure = parseHeapReport(stderr);
    const engine = parseHeapReport(stderr, true);
    assert.ok(secure && engine, `both heaps reported:\n${stderr}`);
    const snapshot = fs.statSync(path.join(appDir, "device.snap")).size;
    assert.ok(engine.peak >= vmPeak + snapshot, `the engine's peak ${engine.peak} B holds the VM's ${vmPeak} B and the ${snapshot}-B snapshot's copy`);
    for (const heap of [secure, engine]) assert.ok(heap.inUse <= heap.peak && heap.peak <= heap.top, JSON.stringify(heap));
  });

  it("the POSIX host prints no heap line (its allocator is not a board's)", async () => {
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const { program } = await buildFirmware({ target: "posix", log: () => {} });
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = execFile(program, scriptArgs(appDir), (error, _stdout, err) => (error ? reject(error) : resolve(err)));
      child.stdin!.end(SCRIPT);
    });
    assert.match(stderr, /^VM memory: peak \d+ B/m);
    assert.equal(parseHeapReport(stderr), undefined, stderr);
  });
});
