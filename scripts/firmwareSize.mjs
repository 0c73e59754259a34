// The size table of a Cortex-M image: flash and RAM per part of the device (engine, runtime,
// supervisor, link, OTA, port, C library), read from the linker's map file (what was kept after
// --gc-sections, per object), against firmware/native/sizeBudget.json.
import fs from "node:fs";
import path from "node:path";
import { formatPath } from "./stackDepth.mjs";

export const SIZE_BUDGET_FILE = "firmware/native/sizeBudget.json";
export const PARTS = ["engine", "runtime", "supervisor", "link", "OTA", "port", "C library"];

/** The budget of `target`; with `app` (a per-app image, scripts/snapshotImports.mjs), that app's
 * entry of the target's "apps" over it (flash, RAM, heap, stack, limits), when it has one. */
export function readSizeBudget(file, target, app) {
  let budgets;
  try {
    budgets = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} can't be read as JSON (${error.message}); it holds the heap, stack and size budget of each Cortex-M target`);
  }
  const targetBudget = budgets[target];
  const appBudget = app === undefined ? undefined : targetBudget?.apps?.[app];
  if (appBudget !== undefined && (typeof appBudget !== "object" || appBudget === null)) throw new Error(`${file}: "${target}".apps."${app}" must be an object (flashBytes, ramBytes, ...)`);
  const { apps: _apps, ...generic } = targetBudget ?? {};
  const budget = targetBudget && { ...generic, ...appBudget, limits: { ...generic.limits, ...appBudget?.limits }, app, appBudgeted: appBudget !== undefined };
  if (!Number.isInteger(budget?.heapBytes) || budget.heapBytes <= 0) throw new Error(`${file}: "${target}"."heapBytes" must be a positive whole number of bytes`);
  checkStackBudget(budget, file, target);
  for (const key of ["flashBytes", "ramBytes", "goalFlashBytes", "goalRamBytes", "vmPeakBytes", "heapPeakBytes"]) {
    if (budget[key] !== undefined && (!Number.isInteger(budget[key]) || budget[key] <= 0)) throw new Error(`${file}: "${target}"."${key}" must be a positive whole number of bytes`);
  }
  if (budget.heapPeakBytes !== undefined && (!Number.isInteger(budget.heapMarginBytes) || budget.heapMarginBytes < 0)) throw new Error(`${file}: "${target}".heapMarginBytes must be a whole number of bytes beside heapPeakBytes (what the measured run may not have reached: the allocator's gaps, another order of the same messages), got ${JSON.stringify(budget.heapMarginBytes)}`);
  for (const [name, value] of Object.entries(budget.limits ?? {})) {
    if (!LIMIT_NAME.test(name) || !Number.isInteger(value) || value <= 0) throw new Error(`${file}: "${target}".limits."${name}" must be an SF_ setting of the C sources (SF_MAX_STRING_BYTES, ...) set to a positive whole number, got ${JSON.stringify(value)}`);
  }
  return budget;
}

const LIMIT_NAME = /^SF_[A-Z0-9_]+$/;

function checkStackBudget(budget, file, key) {
  if (!Number.isInteger(budget?.stackBytes) || budget.stackBytes <= 0) throw new Error(`${file}: "${key}"."stackBytes" must be a positive whole number of bytes`);
  if (budget.stackMarginBytes !== undefined && (!Number.isInteger(budget.stackMarginBytes) || budget.stackMarginBytes < 0)) throw new Error(`${file}: "${key}".stackMarginBytes must be a whole number of bytes (what the stack analysis may miss), got ${JSON.stringify(budget.stackMarginBytes)}`);
  const reserve = budget.faultReserveBytes;
  if (reserve !== undefined && (!Number.isInteger(reserve) || reserve <= 0 || reserve % 8 !== 0 || reserve >= budget.stackBytes))
    throw new Error(`${file}: "${key}".faultReserveBytes (the stack under the limit, MSPLIM, kept for the fault report) must be a positive multiple of 8 (the register's bits 2:0 are zero) below stackBytes, got ${JSON.stringify(reserve)}`);
}

/** The stack of an image that has no heap and no size budget of its own (a TrustZone build's
 * secure image): `key`'s stackBytes (what its linker script reserves) and stackMarginBytes. */
export function readStackBudget(file, key) {
  let budgets;
  try {
    budgets = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} can't be read as JSON (${error.message}); it holds the heap, stack and size budget of each Cortex-M image`);
  }
  checkStackBudget(budgets[key], file, key);
  return { stackBytes: budgets[key].stackBytes, margin: budgets[key].stackMarginBytes ?? 0, faultReserveBytes: budgets[key].faultReserveBytes };
}

/** The heap of an image whose budget has no size limits (the supervisor-secure build's engine
 * image): `key`'s heapBytes (what its linker script reserves) and, when measured, its
 * heapPeakBytes with the heapMarginBytes beside it. */
export function readHeapBudget(file, key) {
  const budget = JSON.parse(fs.readFileSync(file, "utf8"))[key];
  if (!Number.isInteger(budget?.heapBytes) || budget.heapBytes <= 0) throw new Error(`${file}: "${key}"."heapBytes" must be a positive whole number of bytes (the image's heap)`);
  if (budget.heapPeakBytes !== undefined && (!Number.isInteger(budget.heapPeakBytes) || budget.heapPeakBytes <= 0)) throw new Error(`${file}: "${key}"."heapPeakBytes" must be a positive whole number of bytes`);
  if (budget.heapPeakBytes !== undefined && (!Number.isInteger(budget.heapMarginBytes) || budget.heapMarginBytes < 0)) throw new Error(`${file}: "${key}".heapMarginBytes must be a whole number of bytes beside heapPeakBytes (what the measured run may not have reached), got ${JSON.stringify(budget.heapMarginBytes)}`);
  return { heapBytes: budget.heapBytes, heapPeak: budget.heapPeakBytes === undefined ? undefined : { peak: budget.heapPeakBytes, margin: budget.heapMarginBytes } };
}

/** Why a measured heap peak plus its margin doesn't fit the heap reserved (`budgetKey`.heapBytes). */
const heapPeakShortReason = (image, h, heapBytes, budgetKey) =>
  `${image} reserves less heap than its app was measured to take: the peak of ${h.peak.toLocaleString("en-US")} B (${SIZE_BUDGET_FILE} ${budgetKey}.heapPeakBytes) + the margin of ${h.margin.toLocaleString("en-US")} B (heapMarginBytes) > the ${heapBytes.toLocaleString("en-US")} B of heapBytes: raise heapBytes (and the RAM budget), or measure the peak again after making the device take less (bench/m0plusHeap.bench.ts, bench/tzSupervisorHeap.bench.ts; firmware/native/README.md says how)`;

/** The compiler flags of a budget's "limits": the C sources' #ifndef SF_... sizes, lowered for
 * a small target (its text buffers, manifest and board tables). */
export const limitDefines = (budget) => Object.entries(budget.limits ?? {}).map(([name, value]) => `-D${name}=${value}`);

/** Which part of the device an object file (or library member) belongs to. */
function partOf(source, nativeDir, root) {
  if (!source) return "C library"; // newlib, libm, libgcc members
  const relative = path.relative(nativeDir, source);
  if (path.basename(source) === "microvium.c") return "engine";
  if (relative.startsWith("core/") || source === path.join(root, "core/engine/glue/numberFormat.c")) return "runtime";
  if (relative.startsWith("supervisor/")) return "supervisor";
  if (relative.startsWith("link/")) return "link";
  if (relative.startsWith("ota/")) return "OTA";
  return "port";
}

/** Input sections of the map's "Linker script and memory map" part: { output, name, size, object },
 * and the output sections' real sizes (`outputs`: after string merging and alignment). */
export function parseLinkerMap(mapText) {
  const start = mapText.indexOf("Linker script and memory map");
  const crossReference = mapText.indexOf("\nCross Reference Table", start); // -Wl,--cref's part: symbols, not sections
  const lines = mapText.slice(start, crossReference < 0 ? undefined : crossReference).split("\n");
  const sections = [];
  const outputs = {};
  let output;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const outputMatch = /^(\.[\w.]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(line) ?? (/^(\.[\w.]+)\s*$/.test(line) ? [line, line.trim()] : null);
    if (outputMatch) {
      output = outputMatch[1];
      if (outputMatch[2]) outputs[output] = parseInt(outputMatch[2], 16);
      continue;
    }
    // An input section; a long name puts the address and size on the next line.
    if (/^ (\.[\w.$-]+|COMMON|\*fill\*)\s*$/.test(line) && i + 1 < lines.length) line = `${line.trimEnd()} ${lines[++i].trim()}`;
    const input = /^ (\.[\w.$-]+|COMMON|\*fill\*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s*(.*)$/.exec(line);
    if (input && output) sections.push({ output, name: input[1], size: parseInt(input[3], 16), object: input[4].trim() });
  }
  sections.outputs = outputs;
  return sections;
}

/** Flash and RAM per part, the reserves, the totals and the verdict against the budget. */
export function sizeReport({ target, budgetTarget = target, mapText, sourceOf, nativeDir, root, budget, stack, vmAllocation, heapHolds }) {
  const flash = Object.fromEntries(PARTS.map((p) => [p, 0]));
  const staticRam = Object.fromEntries(PARTS.map((p) => [p, 0]));
  let data = 0, bss = 0;
  const sections = parseLinkerMap(mapText);
  for (const s of sections) {
    if (s.output === ".heap" || s.output === ".stack" || s.size === 0) continue;
    const part = partOf(s.object.includes("(") || !s.object ? undefined : sourceOf(s.object), nativeDir, root);
    const inFlash = s.output === ".text" || s.output === ".ARM.exidx" || s.output === ".data" || s.output === ".rodata";
    const inRam = s.output === ".data" || s.output === ".bss";
    if (s.name === "*fill*") continue;
    if (inFlash) flash[part] += s.size;
    if (inRam) staticRam[part] += s.size;
    if (s.output === ".data") data += s.size;
    if (s.output === ".bss") bss += s.size;
  }
  // The image as linked; the rest of the difference to the parts is alignment and merged strings.
  const flashTotal = [".text", ".ARM.exidx", ".data"].reduce((sum, name) => sum + (sections.outputs[name] ?? 0), 0);
  const padding = flashTotal - Object.values(flash).reduce((a, b) => a + b, 0);
  const ramTotal = data + bss + budget.heapBytes + budget.stackBytes;
  return {
    target,
    app: budget.app,
    budgetKey: budget.appBudgeted ? `"${budgetTarget}".apps."${budget.app}"` : `"${budgetTarget}"`,
    appKey: budget.app === undefined ? undefined : `"${budgetTarget}".apps."${budget.app}"`,
    // what the heap row says the heap holds (the supervisor-secure build's secure image: no VM)
    heapHolds,
    flash: { ...flash, padding, total: flashTotal, budget: budget.flashBytes, goal: budget.goalFlashBytes },
    ram: { static: staticRam, data, bss, heap: budget.heapBytes, stack: budget.stackBytes, total: ramTotal, budget: budget.ramBytes, goal: budget.goalRamBytes },
    // scripts/stackDepth.mjs: the deepest path of the thread and of a handler; with the margin,
    // what the reserved stack must hold
    // scripts/vmAllocation.mjs: sf_Supervisor, sf_Vm and the engine's stack, taken from the heap
    // when an app starts; beside them the heap must hold the engine's first bucket
    // with the app's measured VM memory peak (budget.vmPeakBytes, a per-app image), what its run needs
    vm: vmAllocation && { ...vmAllocation, heap: budget.heapBytes, vmPeak: budget.vmPeakBytes },
    // the whole heap's measured peak (budget.heapPeakBytes, a per-app image: the device's blocks
    // at most in a measured run, firmware/native/README.md) and the margin over it
    heapPeak: budget.heapPeakBytes === undefined ? undefined : { peak: budget.heapPeakBytes, margin: budget.heapMarginBytes },
    stack: stack && { needed: stack.needed, margin: budget.stackMarginBytes ?? 0, thread: stack.thread, handler: stack.handler, fault: stack.fault, exceptionFrameBytes: stack.exceptionFrameBytes },
    withinBudget: (budget.flashBytes === undefined || flashTotal <= budget.flashBytes) && (budget.ramBytes === undefined || ramTotal <= budget.ramBytes) && !stackShort(stack, budget) && !vmShort(vmAllocation, budget) && !heapPeakShort(budget),
  };
}

/** Whether the analysed stack plus the margin passes what the linker script reserves, or the
 * fault handler's path passes the reserve under the stack limit. */
const stackShort = (stack, budget) => stack !== undefined && (stack.needed + (budget.stackMarginBytes ?? 0) > budget.stackBytes || faultShort(stack));
const faultShort = (s) => s.fault !== undefined && s.fault.bytes > s.fault.reserve;

/** Whether starting an app's allocation leaves the heap less than the engine's first bucket. */
const vmShort = (vm, budget) => vm !== undefined && heapNeeded({ ...vm, vmPeak: budget.vmPeakBytes }) > budget.heapBytes;

/** Whether the measured heap peak plus its margin passes the heap the linker script reserves. */
const heapPeakShort = (budget) => budget.heapPeakBytes !== undefined && budget.heapPeakBytes + budget.heapMarginBytes > budget.heapBytes;

/** The heap an app needs at its peak: the supervisor and sf_Vm, and beside them the engine's
 * memory: its stack and first bucket, or the app's measured VM memory peak (which includes the
 * engine's stack and registers) when that is more. The queues and the network's copies come on
 * top (firmware/native/README.md). */
const heapNeeded = (vm) => vm.bytes - vm.engineStackBytes + Math.max(vm.engineStackBytes + vm.bucketBytes, vm.vmPeak ?? 0);

/** "sf_Supervisor 3,528 + sf_Vm 928 + the engine's stack 2,080": what starting an app allocates. */
const allocationParts = (vm, unit = "", withEngineStack = true) =>
  [["sf_Supervisor", vm.supervisorBytes ?? 0], ["sf_Vm", vm.vmBytes], ...(withEngineStack ? [["the engine's stack", vm.engineStackBytes]] : [])].map(([name, bytes]) => `${name} ${bytes.toLocaleString("en-US")}${unit}`).join(" + ");

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const row = (label, bytes, note = "") => `  ${label.padEnd(28)}${String(bytes.toLocaleString("en-US")).padStart(10)} B ${kb(bytes).padStart(9)}${note ? `  ${note}` : ""}`;
const verdict = (total, limit, goal) =>
  [
    limit === undefined ? "" : `budget ${kb(limit)}: ${total <= limit ? "within" : `OVER by ${(total - limit).toLocaleString("en-US")} B`}`,
    goal === undefined ? "" : `goal ${kb(goal)}: ${total <= goal ? "met" : `${(total - goal).toLocaleString("en-US")} B to go`}`,
  ]
    .filter(Boolean)
    .join("; ");

/** Why the image may not be built (passed its budget: the build fails), or undefined. */
export function overBudget(report) {
  const over = [
    report.flash.budget !== undefined && report.flash.total > report.flash.budget ? `flash ${report.flash.total.toLocaleString("en-US")} B > ${report.flash.budget.toLocaleString("en-US")} B` : "",
    report.ram.budget !== undefined && report.ram.total > report.ram.budget ? `RAM ${report.ram.total.toLocaleString("en-US")} B > ${report.ram.budget.toLocaleString("en-US")} B` : "",
  ].filter(Boolean);
  const s = report.stack;
  if (s && faultShort(s)) return `${faultShortReason(`the ${report.target} image`, s, report.budgetKey ?? `"${report.target}"`)}\n${formatSizeTable(report)}`;
  if (s && s.needed + s.margin > report.ram.stack) return `${stackShortReason(`the ${report.target} image`, s, report.ram.stack, report.budgetKey ?? `"${report.target}"`)}\n${formatSizeTable(report)}`;
  const vm = report.vm;
  const h = report.heapPeak;
  if (h && h.peak + h.margin > report.ram.heap) return `${heapPeakShortReason(`the ${report.target} image`, h, report.ram.heap, report.budgetKey)}\n${formatSizeTable(report)}`;
  if (vm && vm.vmPeak !== undefined && vm.bytes + vm.bucketBytes <= vm.heap && heapNeeded(vm) > vm.heap)
    return `the ${report.target} image can't run its app: ${allocationParts(vm, " B", false)} and the app's measured VM memory peak of ${vm.vmPeak.toLocaleString("en-US")} B (${SIZE_BUDGET_FILE} ${report.budgetKey}.vmPeakBytes) take ${heapNeeded(vm).toLocaleString("en-US")} B of its ${vm.heap.toLocaleString("en-US")} B heap: raise ${report.budgetKey}.heapBytes (and the RAM budget), or shrink the supervisor (supervisor/supervisor.c; its members: the DWARF of the ELF)\n${formatSizeTable(report)}`;
  if (vm && vm.bytes + vm.bucketBytes > vm.heap)
    return `the ${report.target} image can't start an app: starting one takes ${vm.bytes.toLocaleString("en-US")} B of its ${vm.heap.toLocaleString("en-US")} B heap at once (${allocationParts(vm, " B")}) and the engine needs a ${vm.bucketBytes.toLocaleString("en-US")} B heap bucket beside them: shrink the largest (firmware/native/supervisor/supervisor.c, core/vm.c; their members: the DWARF of the ELF), or raise ${SIZE_BUDGET_FILE} ${report.budgetKey ?? `"${report.target}"`}.heapBytes (and the RAM budget) and say why in the commit\n${formatSizeTable(report)}`;
  if (!over.length) return undefined;
  return `the ${report.target} image passes its budget in ${SIZE_BUDGET_FILE} (${over.join(", ")}): make it smaller (the table says which part grew), or raise ${report.budgetKey ?? `"${report.target}"`}.flashBytes/ramBytes there and say why in the commit\n${formatSizeTable(report)}`;
}

/** Why an image's analysed stack plus the margin passes what it reserves (`budgetKey`.stackBytes). */
const stackShortReason = (image, s, reserved, budgetKey) =>
  `${image} needs more stack than it reserves: ${s.needed.toLocaleString("en-US")} B by the stack analysis (scripts/stackDepth.mjs) + the margin of ${s.margin.toLocaleString("en-US")} B > the ${reserved.toLocaleString("en-US")} B of ${SIZE_BUDGET_FILE} ${budgetKey}.stackBytes: shrink the frames on the deepest path (below), or raise stackBytes (and the RAM budget) and say why in the commit`;

/** Why an image's fault handler doesn't fit the reserve under its stack limit. */
const faultShortReason = (image, s, budgetKey) =>
  `${image}'s fault handler needs more stack than is kept for it under the stack limit (MSPLIM): ${s.fault.bytes.toLocaleString("en-US")} B by the stack analysis (scripts/stackDepth.mjs: ${formatPath(s.fault)}) > the ${s.fault.reserve.toLocaleString("en-US")} B of ${SIZE_BUDGET_FILE} ${budgetKey}.faultReserveBytes: a stack overflow's report would fault again and lock the core up; shrink the report (ports/mps2-an505/faultReport.c), or raise faultReserveBytes (a multiple of 8) and say why in the commit`;

/** The stack row's note: what the analysis needs with the margin against what is reserved. */
const stackNote = (s, reserved) => (s ? `needed ${s.needed.toLocaleString("en-US")} + margin ${s.margin.toLocaleString("en-US")} of ${reserved.toLocaleString("en-US")}: ${s.needed + s.margin <= reserved ? "fits" : "SHORT"}` : "needed: not analysed (no entry in firmware/native/stackCalls.json)");

/** The deepest paths under the table: the thread's, then the deepest interrupt's. */
const stackPaths = (s, label = "stack") => [
  `${label}, deepest path of the thread (${s.thread.bytes.toLocaleString("en-US")} B): ${formatPath(s.thread)}`,
  ...(s.handler.entry ? [`  + deepest interrupt (${s.handler.bytes.toLocaleString("en-US")} B with the ${s.exceptionFrameBytes} B the core stacks): ${formatPath(s.handler)}`] : []),
  ...(s.fault
    ? [`  + fault reserve under the stack limit (MSPLIM) ${s.fault.reserve.toLocaleString("en-US")} B, the fault handler needs ${s.fault.bytes.toLocaleString("en-US")} B: ${s.fault.bytes <= s.fault.reserve ? "fits" : "SHORT"}: ${formatPath(s.fault)}`]
    : []),
];

/** A TrustZone build's secure image: { file, size (text, data, bss), stack (the analysis with its
 * margin, or undefined), stackBytes (reserved), budgetKey }. */
export function overSecureBudget(secure) {
  const s = secure.stack;
  if (s && faultShort(s)) return `${faultShortReason("the secure image", s, secure.budgetKey)}\n${formatSecureImage(secure)}`;
  return s && s.needed + s.margin > secure.stackBytes ? `${stackShortReason("the secure image", s, secure.stackBytes, secure.budgetKey)}\n${formatSecureImage(secure)}` : undefined;
}

/** The secure image's lines under the size table: flash, static RAM with its stack, and the
 * stack's deepest paths as the table gives them, then each entry function's own need. */
export function formatSecureImage(secure) {
  const { size, stack: s } = secure;
  const lines = [
    `secure image (${secure.file}; stack budget: ${SIZE_BUDGET_FILE} ${secure.budgetKey}): flash ${(size.text + size.data).toLocaleString("en-US")} B, RAM ${(size.data + size.bss).toLocaleString("en-US")} B (of it the secure stack)`,
    row("secure stack", secure.stackBytes, stackNote(s, secure.stackBytes)),
  ];
  if (s) {
    lines.push(...stackPaths(s, "secure stack"));
    const entries = [...s.secureEntries].sort((a, b) => b.bytes - a.bytes).map((e) => `${e.entry} ${e.bytes.toLocaleString("en-US")}`);
    if (entries.length) lines.push(`  entry functions, each on its own: ${entries.join(", ")}`);
  }
  return lines.join("\n");
}

/** Why the supervisor-secure build's engine image may not be built (its measured heap peak and
 * margin don't fit its heap), or undefined. */
export function overEngineBudget(engine) {
  const h = engine.heapPeak;
  return h && h.peak + h.margin > engine.heapBytes ? `${heapPeakShortReason("the engine image", h, engine.heapBytes, `"${engine.budgetKey}"`)}\n${formatEngineImage(engine)}` : undefined;
}

/** The heap's line under an image: what is reserved and, when measured, the peak and margin. */
const heapPeakNote = (h, heapBytes) => (h ? `the measured peak ${h.peak.toLocaleString("en-US")} B (heapPeakBytes) + margin ${h.margin.toLocaleString("en-US")} of ${heapBytes.toLocaleString("en-US")}: ${h.peak + h.margin <= heapBytes ? "fits" : "SHORT"}` : "the peak: not measured");

/** The line of a TrustZone build's non-secure engine image (the supervisor-secure build). */
export function formatEngineImage(engine) {
  const { size } = engine;
  const lines = [
    `engine image (${engine.file}, non-secure; heap and stack: ${SIZE_BUDGET_FILE} "${engine.budgetKey ?? "cortex-m33-tz-engine"}"): flash ${(size.text + size.data).toLocaleString("en-US")} B, RAM ${(size.data + size.bss).toLocaleString("en-US")} B (of it the heap ${engine.heapBytes.toLocaleString("en-US")} B and the stack ${engine.stackBytes.toLocaleString("en-US")} B)`,
    `  engine heap (the VM's memory, the snapshot's copy) ${engine.heapBytes.toLocaleString("en-US")} B: ${heapPeakNote(engine.heapPeak, engine.heapBytes)}`,
  ];
  const s = engine.stack;
  if (s) {
    lines.push(`  engine stack needed ${s.needed.toLocaleString("en-US")} (with a secure interrupt's frame) + margin ${s.margin.toLocaleString("en-US")} of ${engine.stackBytes.toLocaleString("en-US")}: fits`);
    lines.push(`  engine stack, deepest path (${s.thread.bytes.toLocaleString("en-US")} B): ${s.thread.path.map((step) => `${step.name} ${step.bytes.toLocaleString("en-US")}`).join(" → ")}`);
  }
  return lines.join("\n");
}

export function formatSizeTable(report) {
  const lines = [`size of the ${report.target} image${report.app ? ` for the app ${report.app} (its host functions only)` : ""} (budget: ${SIZE_BUDGET_FILE} ${report.budgetKey ?? `"${report.target}"`})`, "flash"];
  for (const part of PARTS) lines.push(row(part, report.flash[part]));
  if (report.flash.padding) lines.push(row("alignment, merged strings", report.flash.padding));
  lines.push(row("total", report.flash.total, verdict(report.flash.total, report.flash.budget, report.flash.goal)));
  lines.push("RAM");
  const buffers = PARTS.filter((p) => report.ram.static[p]).map((p) => `${p} ${report.ram.static[p].toLocaleString("en-US")}`).join(", ");
  lines.push(row("buffers (.data + .bss)", report.ram.data + report.ram.bss, buffers));
  lines.push(row(`heap (${report.heapHolds ?? "VM heap, queues"})`, report.ram.heap));
  const vm = report.vm;
  if (vm) lines.push(`  app allocation ${vm.bytes.toLocaleString("en-US")} B of heap ${vm.heap.toLocaleString("en-US")} B (${allocationParts(vm)}; ${vm.bytes + vm.bucketBytes <= vm.heap ? `${(vm.heap - vm.bytes).toLocaleString("en-US")} B left for the VM heap and the queues` : `SHORT: the engine needs a ${vm.bucketBytes.toLocaleString("en-US")} B bucket beside them`})`);
  if (vm?.vmPeak !== undefined) lines.push(`  app's VM memory peak ${vm.vmPeak.toLocaleString("en-US")} B (measured; vmPeakBytes): with the supervisor and sf_Vm ${heapNeeded(vm).toLocaleString("en-US")} B of the heap, ${heapNeeded(vm) <= vm.heap ? `${(vm.heap - heapNeeded(vm)).toLocaleString("en-US")} B left for the queues and the network's copies` : "SHORT"}`);
  // An app the budget has no entry for (a user's own) has no measured peak: the table can't say it fits.
  if (vm && report.app && vm.vmPeak === undefined) lines.push(`  app's VM memory peak: not measured for ${report.app} (${SIZE_BUDGET_FILE} has no ${report.appKey}): the ${(vm.heap - vm.bytes).toLocaleString("en-US")} B left are not checked against what the app takes once running; run it on the board before relying on the image`);
  const h = report.heapPeak;
  if (h) lines.push(`  the heap's ${heapPeakNote(h, report.ram.heap).replace(/^the /, "")}`);
  const s = report.stack;
  lines.push(row("stack", report.ram.stack, stackNote(s, report.ram.stack)));
  lines.push(row("total", report.ram.total, verdict(report.ram.total, report.ram.budget, report.ram.goal)));
  if (s) lines.push(...stackPaths(s));
  return lines.join("\n");
}
