/** `snapfleet firmware build --target cortex-m33|cortex-m0plus` as a user runs it: a bare-metal
 * ELF for the CPU (checked with readelf) and a size table per part against
 * firmware/native/sizeBudget.json whose parts add up to what the ELF holds. Skipped, saying
 * why, without gcc-arm-none-eabi (installed with apt when the tests run as root). */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { skipIfUnavailable } from "../../../test/support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "../../..");
const BUDGET = JSON.parse(fs.readFileSync(path.join(ROOT, "firmware/native/sizeBudget.json"), "utf8"));

function toolchainUnavailable(): string | undefined {
  if (process.getuid?.() === 0) return undefined; // the build installs it
  try {
    execFileSync("arm-none-eabi-gcc", ["--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "arm-none-eabi-gcc is not installed: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi";
  }
}

describe("firmware build for Cortex-M (size table against the budget)", function () {
  this.timeout(600_000);
  before(function () {
    skipIfUnavailable(this, toolchainUnavailable());
  });

  for (const [target, cpu] of [["cortex-m33", "Cortex-M33"], ["cortex-m0plus", "Cortex-M0+"]] as const) {
    it(`${target}: an ELF for the ${cpu} and a size table whose parts add up to the image`, () => {
      const run = spawnSync(process.execPath, ["bin/snapfleet", "firmware", "build", "--target", target], { cwd: ROOT, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      const elf = path.join(ROOT, "build/firmware", target, "snapfleet-device.elf");
      const header = execFileSync("arm-none-eabi-readelf", ["-h", "-A", elf], { encoding: "utf8" });
      assert.match(header, /Machine:\s+ARM/);
      assert.match(header, target === "cortex-m33" ? /Tag_CPU_arch: v8-M\.mainline/ : /Tag_CPU_arch: v6S-M/);
      const table = run.stderr;
      for (const part of ["engine", "runtime", "supervisor", "link", "OTA", "port", "C library", "heap", "stack"]) assert.match(table, new RegExp(`^  ${part}`, "m"), `the table names ${part}`);
      const flash = (label: string) => Number(new RegExp(`flash[\\s\\S]*?^  ${label}\\s+(-?[\\d,]+) B`, "m").exec(table)![1].replace(/,/g, ""));
      const parts = ["engine", "runtime", "supervisor", "link", "OTA", "port", "C library", "alignment, merged strings"].reduce((sum, p) => sum + (new RegExp(`^  ${p}`, "m").test(table) ? flash(p) : 0), 0);
      const [text, data] = execFileSync("arm-none-eabi-size", [elf], { encoding: "utf8" }).split("\n")[1].trim().split(/\s+/).map(Number);
      assert.equal(flash("total"), parts, "the parts add up to the total");
      assert.equal(flash("total"), text + data, `the table's flash ${flash("total")} B is what the ELF holds (text + data ${text + data} B)`);
      assert.match(table, new RegExp(`heap \\(VM heap, queues\\)\\s+${BUDGET[target].heapBytes.toLocaleString("en-US")} B`));
      {
        // scripts/vmAllocation.mjs: what starting an app takes at once leaves the engine a heap
        // bucket (issue 12: sf_Vm was 11,160 B, then sf_Supervisor 11,464 B, each more than the
        // M0+'s 7 KB heap)
        const vm = /^  app allocation ([\d,]+) B of heap ([\d,]+) B \(sf_Supervisor ([\d,]+) \+ sf_Vm ([\d,]+) \+ the engine's stack ([\d,]+); ([\d,]+) B left for the VM heap and the queues\)$/m.exec(table);
        assert.ok(vm, `the table says what starting an app takes from the heap:\n${table}`);
        const [allocation, heap, supervisor, sfVm, engineStack, left] = vm.slice(1).map((n) => Number(n.replace(/,/g, "")));
        assert.equal(heap, BUDGET[target].heapBytes);
        assert.ok(supervisor > 0 && sfVm > 0, "the supervisor and the VM are measured");
        assert.equal(allocation, supervisor + sfVm + engineStack);
        assert.equal(left, heap - allocation);
        assert.ok(engineStack > 2048, `the engine's stack: MVM_STACK_SIZE (2,048 B) and its registers, got ${engineStack}`);
        assert.ok(allocation + 1024 <= heap, `${allocation} B and the engine's first 1 KB bucket within the ${heap} B heap`);
      }
      if (BUDGET[target].flashBytes) assert.match(table, new RegExp(`budget ${(BUDGET[target].flashBytes / 1024).toFixed(1)} KB: within; goal 40\\.0 KB: ([\\d,]+ B to go|met)`), "the verdict against the budget and the goal");
      {
        // scripts/stackDepth.mjs: the deepest path, from the reset handler, within the reserved stack
        const stack = /^  stack\s+([\d,]+) B .*needed ([\d,]+) \+ margin ([\d,]+) of ([\d,]+): fits$/m.exec(table);
        assert.ok(stack, `the table says how much stack the image needs:\n${table}`);
        const [reserved, needed, margin] = stack.slice(1, 4).map((n) => Number(n.replace(/,/g, "")));
        assert.equal(reserved, BUDGET[target].stackBytes);
        assert.equal(margin, BUDGET[target].stackMarginBytes);
        assert.ok(needed > 1000 && needed + margin <= reserved, `needed ${needed} B + ${margin} B within ${reserved} B`);
        assert.match(table, /^stack, deepest path of the thread \([\d,]+ B\): Reset_Handler \d+ → main \d+ → /m);
        if (BUDGET[target].faultReserveBytes) {
          // the M33's stack limit: the fault handler runs in the reserve under it (ports/mps2-an505/faultReport.h)
          const fault = /^  \+ fault reserve under the stack limit \(MSPLIM\) ([\d,]+) B, the fault handler needs ([\d,]+) B: fits: faultHandler 0 → reportFault \d+/m.exec(table);
          assert.ok(fault, `the table says what the fault handler needs under the limit:\n${table}`);
          assert.equal(Number(fault[1].replace(/,/g, "")), BUDGET[target].faultReserveBytes);
          assert.ok(Number(fault[2].replace(/,/g, "")) <= BUDGET[target].faultReserveBytes);
        }
      }
    });
  }

  it("cortex-m0plus built for the grow-station alone (--app): its table and budget, smaller than the image for any app, the functions it doesn't import left out", async () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), "sf-m0-app-"));
    try {
      const built = spawnSync(process.execPath, ["bin/snapfleet", "build", "examples/grow-station/features/app.ts", "--out", app, "--secrets-file", "examples/grow-station/dev-secrets.json"], { cwd: ROOT, encoding: "utf8" });
      assert.equal(built.status, 0, built.stderr);
      const run = spawnSync(process.execPath, ["bin/snapfleet", "firmware", "build", "--target", "cortex-m0plus", "--app", app], { cwd: ROOT, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      // built without --board, so the Nano's image would refuse the app itself: said at build time
      assert.match(run.stderr, /was built for board "simulated"; this image is a "nano-33-iot" and refuses it at install: rebuild the app with --board nano-33-iot/);
      const budget = BUDGET["cortex-m0plus"].apps["grow-station"];
      assert.match(run.stderr, /size of the cortex-m0plus image for the app grow-station \(its host functions only\) \(budget: firmware\/native\/sizeBudget\.json "cortex-m0plus"\.apps\."grow-station"\)/);
      assert.match(run.stderr, new RegExp(`budget ${(budget.flashBytes / 1024).toFixed(1)} KB: within; goal 40\\.0 KB`));
      // its heap holds the supervisor, sf_Vm and the app's measured VM memory peak (vmPeakBytes)
      assert.match(run.stderr, new RegExp(`heap \\(VM heap, queues\\)\\s+${budget.heapBytes.toLocaleString("en-US")} B`));
      assert.match(run.stderr, new RegExp(`^  app's VM memory peak ${budget.vmPeakBytes.toLocaleString("en-US")} B \\(measured; vmPeakBytes\\): with the supervisor and sf_Vm [\\d,]+ B of the heap, [\\d,]+ B left for the queues`, "m"));
      // and the whole heap's measured peak (heapPeakBytes) with its margin
      assert.match(run.stderr, new RegExp(`^  the heap's measured peak ${budget.heapPeakBytes.toLocaleString("en-US")} B \\(heapPeakBytes\\) \\+ margin ${budget.heapMarginBytes.toLocaleString("en-US")} of ${budget.heapBytes.toLocaleString("en-US")}: fits$`, "m"));
      // the image's own sections (size's Berkeley "bss" column would add the heap and the stack,
      // which differ per app: the grow-station's heap is larger than the image for any app's)
      const elfSize = (elf: string) => {
        const sections = new Map(execFileSync("arm-none-eabi-size", ["-A", elf], { encoding: "utf8" }).split("\n").map((line) => line.trim().split(/\s+/)).filter((f) => f.length >= 2).map(([name, bytes]) => [name, Number(bytes)]));
        return [(sections.get(".text") ?? 0) + (sections.get(".ARM.exidx") ?? 0), sections.get(".data") ?? 0, sections.get(".bss") ?? 0];
      };
      const perApp = path.join(ROOT, "build/firmware/cortex-m0plus/app-grow-station/snapfleet-device.elf");
      const generic = path.join(ROOT, "build/firmware/cortex-m0plus/snapfleet-device.elf");
      const [appText, appData, appBss] = elfSize(perApp);
      const [text, data, bss] = elfSize(generic);
      assert.ok(appText + appData < text + data, `flash ${appText + appData} B < ${text + data} B for any app`);
      assert.ok(appData + appBss < data + bss, `static RAM ${appData + appBss} B < ${data + bss} B (manifests of the app's size)`);
      const symbols = (elf: string) => execFileSync("arm-none-eabi-nm", [elf], { encoding: "utf8" });
      // sf_settingSetRefused: the grow-station never calls setting.set (supervisor.c's hostSettingSet).
      for (const left of ["sf_numberToFixed", "sf_parseFloat", "__ieee754_log", "__ieee754_acos", "sf_settingSetRefused"]) {
        assert.match(symbols(generic), new RegExp(`\\b${left}\\b`), `the image for any app has ${left}`);
        assert.doesNotMatch(symbols(perApp), new RegExp(`\\b${left}\\b`), `the grow-station's image leaves ${left} out`);
      }
      // The standard library's string buffers (core/standardLibrary.c, 516 B each here): the
      // grow-station imports no string function, so it keeps only the one ToNumber reads a string into.
      for (const buffer of ["subjectUnits", "argumentUnits", "thirdUnits"]) assert.match(symbols(generic), new RegExp(` b ${buffer}\n`), `the image for any app has ${buffer}`);
      assert.match(symbols(perApp), / b thirdUnits\n/, "the grow-station's image keeps the buffer ToNumber uses");
      for (const buffer of ["subjectUnits", "argumentUnits"]) assert.doesNotMatch(symbols(perApp), new RegExp(` b ${buffer}\n`), `the grow-station's image leaves ${buffer} out`);
      // The Nano's own pins (ports/cortex-m0plus/nanoBoard.c), not the simulated board: no pin
      // models (libm's sin), no snprintf for their errors.
      for (const elf of [generic, perApp]) assert.match(symbols(elf), /\bsf_nanoBoard_prepare\b/, `${elf} drives the SAMD21's pins`);
      // fmod, floor and ceil are the port's (ports/cortex-m/remainder.c, rounding.c), not libm's
      for (const elf of [generic, perApp]) {
        const map = fs.readFileSync(elf.replace(/\.elf$/, ".map"), "utf8");
        for (const member of ["lib_a-e_fmod.o", "lib_a-w_fmod.o", "lib_a-s_floor.o", "lib_a-s_ceil.o"]) assert.ok(!map.includes(`libm.a(${member})`), `${elf} links libm's ${member}, not the port's`);
        for (const name of ["fmod", "floor", "ceil"]) assert.match(symbols(elf), new RegExp(` T ${name}\n`), `${elf} has the port's ${name}`);
      }
      // No ** in the grow-station's code (scripts/snapshotOperators.mjs): the engine's power
      // operation refuses, libm's pow is left out.
      assert.match(symbols(generic), /\b__ieee754_pow\b/, "the image for any app has pow");
      assert.doesNotMatch(symbols(perApp), /\b__ieee754_pow\b/, "the grow-station's image leaves pow out");
      for (const left of ["sf_posixBoard_prepare", "sf_pinModel_read", "sin", "snprintf"]) assert.doesNotMatch(symbols(perApp), new RegExp(` ${left}\n`), `the grow-station's image leaves ${left} out`);
      // The error texts are codes the co-processor expands (firmware/native/deviceTexts.json): an
      // engine error's, a runtime error's and two phrases' words are in neither image, where the
      // M33's (built by the first test) has them.
      const m33 = fs.readFileSync(path.join(ROOT, "build/firmware/cortex-m33/snapfleet-device.elf"));
      for (const words of ["a member of undefined or null was read", "is only available on the device target", "the package is larger than a slot", "more channels than this device supports"]) {
        assert.ok(m33.includes(words), `the M33 image words it: "${words}"`);
        for (const elf of [generic, perApp]) assert.ok(!fs.readFileSync(elf).includes(words), `${path.basename(path.dirname(elf))}: "${words}" is a code, not words`);
      }
      // The goal's floor (scripts/mcuFloor.mjs, README "The goal's floor"): every file of the image
      // is sorted as required on the MCU by the issue or movable to the co-processor, and the two
      // add up to the image's parts (a new file fails here until it is sorted)
      const { mcuFloor } = await import(path.join(ROOT, "scripts/mcuFloor.mjs"));
      const floor = mcuFloor(fs.readFileSync(path.join(path.dirname(perApp), "snapfleet-device.map"), "utf8"));
      assert.deepEqual(floor.unclassified, [], "every file of the image is in scripts/mcuFloor.mjs's lists");
      assert.ok(floor.required > 0 && floor.movable > 0 && floor.required + floor.movable <= appText + appData, `${floor.required} + ${floor.movable} B within the image's ${appText + appData} B`);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  it("cortex-m0plus: the size check fails once the image passes its budget, by a byte, flash or RAM", async () => {
    // The map of the image the test above built; the same check the build runs after linking.
    const size = await import(path.join(ROOT, "scripts/firmwareSize.mjs"));
    const build = path.join(ROOT, "build/firmware/cortex-m0plus");
    const budget = size.readSizeBudget(path.join(ROOT, "firmware/native/sizeBudget.json"), "cortex-m0plus");
    const objects = new Map<string, string>(); // the build's object files are gone: every part is "C library" then; the totals are what is checked
    const report = (b: typeof budget) => size.sizeReport({ target: "cortex-m0plus", mapText: fs.readFileSync(path.join(build, "snapfleet-device.map"), "utf8"), sourceOf: (o: string) => objects.get(o), nativeDir: path.join(ROOT, "firmware/native"), root: ROOT, budget: b });
    const measured = report(budget);
    assert.equal(size.overBudget(measured), undefined, "the image as built is within its budget");
    assert.equal(size.overBudget(report({ ...budget, flashBytes: measured.flash.total })), undefined, "exactly the budget is within it");
    assert.match(size.overBudget(report({ ...budget, flashBytes: measured.flash.total - 1 })), /passes its budget in firmware\/native\/sizeBudget\.json \(flash [\d,]+ B > [\d,]+ B\)/);
    assert.match(size.overBudget(report({ ...budget, ramBytes: measured.ram.total - 1 })), /\(RAM [\d,]+ B > [\d,]+ B\)/);
    // the stack: what the analysis needs plus the margin must fit what the linker script reserves
    const analysed = (needed: number) => ({ needed, exceptionFrameBytes: 32, thread: { entry: "Reset_Handler", bytes: needed, path: [{ name: "Reset_Handler", bytes: needed }] }, handler: { entry: undefined, bytes: 0, path: [] } });
    const withStack = (needed: number) => size.sizeReport({ target: "cortex-m0plus", mapText: fs.readFileSync(path.join(build, "snapfleet-device.map"), "utf8"), sourceOf: (o: string) => objects.get(o), nativeDir: path.join(ROOT, "firmware/native"), root: ROOT, budget, stack: analysed(needed) });
    const fits = budget.stackBytes - budget.stackMarginBytes;
    assert.equal(size.overBudget(withStack(fits)), undefined, "needed + margin = the reserved stack fits");
    assert.match(size.overBudget(withStack(fits + 1)), /needs more stack than it reserves: [\d,]+ B by the stack analysis \(scripts\/stackDepth\.mjs\) \+ the margin of [\d,]+ B > the [\d,]+ B of firmware\/native\/sizeBudget\.json "cortex-m0plus"\.stackBytes/);
    // an image with a stack limit: its fault handler's path must fit the reserve under the limit
    const withFault = (bytes: number) => size.sizeReport({ target: "cortex-m0plus", mapText: fs.readFileSync(path.join(build, "snapfleet-device.map"), "utf8"), sourceOf: (o: string) => objects.get(o), nativeDir: path.join(ROOT, "firmware/native"), root: ROOT, budget, stack: { ...analysed(1000), fault: { entry: "faultHandler", bytes, reserve: 256, path: [{ name: "faultHandler", bytes: 0 }, { name: "reportFault", bytes }] } } });
    assert.equal(size.overBudget(withFault(256)), undefined, "a fault handler needing the whole reserve fits");
    assert.match(size.overBudget(withFault(257)), /the cortex-m0plus image's fault handler needs more stack than is kept for it under the stack limit \(MSPLIM\): 257 B by the stack analysis \(scripts\/stackDepth\.mjs: faultHandler 0 → reportFault 257\) > the 256 B of firmware\/native\/sizeBudget\.json "cortex-m0plus"\.faultReserveBytes/);
    // starting an app's allocation: sf_Supervisor, sf_Vm and the engine's stack, as measured in the
    // ELF, must leave the engine its first bucket in the heap
    const { measureVmAllocation } = await import(path.join(ROOT, "scripts/vmAllocation.mjs"));
    const vm = measureVmAllocation({ elf: path.join(build, "snapfleet-device.elf"), cc: "arm-none-eabi-gcc", readelf: "arm-none-eabi-readelf", engineSettings: path.join(ROOT, "core/engine/glue/engineSettings.h") });
    assert.equal(vm.bucketBytes, 1024);
    const withVm = (b: typeof budget, vmBytes: number) => size.sizeReport({ target: "cortex-m0plus", mapText: fs.readFileSync(path.join(build, "snapfleet-device.map"), "utf8"), sourceOf: (o: string) => objects.get(o), nativeDir: path.join(ROOT, "firmware/native"), root: ROOT, budget: b, vmAllocation: { ...vm, vmBytes, bytes: vm.supervisorBytes + vmBytes + vm.engineStackBytes } });
    assert.equal(size.overBudget(withVm(budget, vm.vmBytes)), undefined, "the image as built can start an app");
    const room = budget.heapBytes - vm.supervisorBytes - vm.engineStackBytes - vm.bucketBytes;
    assert.equal(size.overBudget(withVm(budget, room)), undefined, "exactly a bucket left fits");
    assert.match(size.overBudget(withVm(budget, room + 1)), /can't start an app: starting one takes [\d,]+ B of its 7,168 B heap at once \(sf_Supervisor [\d,]+ B \+ sf_Vm [\d,]+ B \+ the engine's stack [\d,]+ B\)/);
    // the sf_Vm of issue 12, with the callback names as 32 × 320 B texts
    assert.match(size.overBudget(withVm(budget, 11_160)), /can't start an app/);
    assert.match(size.formatSizeTable(withVm(budget, 11_160)), /app allocation 1\d,\d{3} B of heap 7,168 B .*SHORT/);
    // a per-app image's measured VM memory peak: with the supervisor and sf_Vm it must fit the heap
    const withPeak = (vmPeakBytes: number) => withVm({ ...budget, vmPeakBytes }, vm.vmBytes);
    const peakRoom = budget.heapBytes - vm.supervisorBytes - vm.vmBytes;
    assert.equal(size.overBudget(withPeak(peakRoom)), undefined, "a peak that exactly fits");
    assert.match(size.overBudget(withPeak(peakRoom + 1)), /can't run its app: sf_Supervisor [\d,]+ B \+ sf_Vm [\d,]+ B and the app's measured VM memory peak of [\d,]+ B .* take [\d,]+ B of its 7,168 B heap/);
    assert.match(size.formatSizeTable(withPeak(peakRoom + 1)), /app's VM memory peak [\d,]+ B \(measured; vmPeakBytes\): .* SHORT/);
    // an image for an app the budget has no entry for (a user's own): its peak is unknown, and the table says so
    const unmeasured = size.formatSizeTable(withVm({ ...budget, app: "greenhouse", appBudgeted: false }, vm.vmBytes));
    assert.match(unmeasured, /^ {2}app's VM memory peak: not measured for greenhouse \(firmware\/native\/sizeBudget\.json has no "cortex-m0plus"\.apps\."greenhouse"\): the [\d,]+ B left are not checked against what the app takes once running; run it on the board before relying on the image$/m);
    assert.doesNotMatch(size.formatSizeTable(withPeak(peakRoom)), /not measured/, "a measured app has no such line");
    assert.doesNotMatch(size.formatSizeTable(withVm(budget, vm.vmBytes)), /not measured/, "nor the image for any app");
    // a per-app image's measured heap peak (heapPeakBytes) with its margin must fit the heap, by a byte
    const withHeapPeak = (heapPeakBytes: number) => report({ ...budget, heapPeakBytes, heapMarginBytes: 512 });
    assert.equal(size.overBudget(withHeapPeak(budget.heapBytes - 512)), undefined, "peak + margin = the heap fits");
    assert.match(size.formatSizeTable(withHeapPeak(budget.heapBytes - 512)), /^  the heap's measured peak 6,656 B \(heapPeakBytes\) \+ margin 512 of 7,168: fits$/m);
    assert.match(size.overBudget(withHeapPeak(budget.heapBytes - 511)), /reserves less heap than its app was measured to take: the peak of 6,657 B \(firmware\/native\/sizeBudget\.json "cortex-m0plus"\.heapPeakBytes\) \+ the margin of 512 B \(heapMarginBytes\) > the 7,168 B of heapBytes: raise heapBytes/);
    assert.match(size.formatSizeTable(withHeapPeak(budget.heapBytes - 511)), /the heap's measured peak 6,657 B .*: SHORT/);
    // a peak without its margin is refused when the budget is read, naming the key
    const noMargin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sf-budget-")), "sizeBudget.json");
    const budgets = JSON.parse(fs.readFileSync(path.join(ROOT, "firmware/native/sizeBudget.json"), "utf8"));
    delete budgets["cortex-m0plus"].apps["grow-station"].heapMarginBytes;
    fs.writeFileSync(noMargin, JSON.stringify(budgets));
    assert.throws(() => size.readSizeBudget(noMargin, "cortex-m0plus", "grow-station"), /"cortex-m0plus"\.heapMarginBytes must be a whole number of bytes beside heapPeakBytes/);
    fs.rmSync(path.dirname(noMargin), { recursive: true, force: true });
  });

  it("cortex-m33-tz-supervisor: each image's heap is its own, measured, and the build fails when a measured peak + margin passes it, by a byte", async () => {
    const size = await import(path.join(ROOT, "scripts/firmwareSize.mjs"));
    const file = path.join(ROOT, "firmware/native/sizeBudget.json");
    // the secure image (the device program: no VM on its heap) and the engine image (the VM's memory)
    const secure = size.readSizeBudget(file, "cortex-m33-tz-supervisor");
    const engine = size.readHeapBudget(file, "cortex-m33-tz-engine");
    assert.ok(secure.heapPeakBytes > 0 && secure.heapPeakBytes + secure.heapMarginBytes <= secure.heapBytes, JSON.stringify(secure));
    assert.ok(engine.heapPeak && engine.heapPeak.peak + engine.heapPeak.margin <= engine.heapBytes, JSON.stringify(engine));
    assert.ok(secure.heapBytes + engine.heapBytes <= BUDGET["cortex-m33"].heapBytes, "together no more than the plain image's heap");
    const report = (heapBytes: number) => ({ file: "snapfleet-device-engine.elf", budgetKey: "cortex-m33-tz-engine", size: { text: 80_000, data: 100, bss: 9_000 }, heapBytes, heapPeak: { peak: 10_000, margin: 2_048 }, stackBytes: 4096 });
    assert.equal(size.overEngineBudget(report(12_048)), undefined, "peak + margin = the heap fits");
    assert.match(size.formatEngineImage(report(12_048)), /^ {2}engine heap \(the VM's memory, the snapshot's copy\) 12,048 B: the measured peak 10,000 B \(heapPeakBytes\) \+ margin 2,048 of 12,048: fits$/m);
    assert.match(size.overEngineBudget(report(12_047)), /^the engine image reserves less heap than its app was measured to take: the peak of 10,000 B \(firmware\/native\/sizeBudget\.json "cortex-m33-tz-engine"\.heapPeakBytes\) \+ the margin of 2,048 B \(heapMarginBytes\) > the 12,047 B of heapBytes: raise heapBytes/);
    assert.match(size.formatEngineImage(report(12_047)), /: SHORT$/m);
  });
});
