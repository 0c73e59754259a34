/** What the lowering and the in-VM standard library cost:
 * (a) snapshot bytes: a small program with just the library pieces it uses, with the whole
 *     library installed, and hand-written so that it needs none; plus the bytes single pieces add;
 * (b) run time of lowered code vs a hand-written Microvium-friendly equivalent, both run in the
 *     same native engine (restored from one snapshot) for the same number of iterations.
 * Run: node --import tsx bench/lowering.bench.ts */
import { Microvium } from "microvium";
import { lowerForMicrovium } from "../core/compiler/lower";
import { installLibrary, libraryHost } from "../core/compiler/lower/testHarness";
import { stdlibCatalog } from "../core/runtime/stdlib";

export interface SnapshotFigures {
  program: string;
  /** Lowered, with only the pieces it uses. */
  withUsedPieces: number;
  /** Lowered, with every piece of the library installed. */
  withWholeLibrary: number;
  /** Written by hand in Microvium's subset, no library. */
  handWritten: number;
  usedStdlib: string[];
  /** Bytes each listed piece adds to an empty program that uses it. */
  pieceBytes: Record<string, number>;
}

export interface TimingFigures {
  case: string;
  iterations: number;
  loweredNsPerIteration: number;
  handWrittenNsPerIteration: number;
  /** lowered / hand-written */
  ratio: number;
}

export interface LoweringBenchFigures {
  snapshot: SnapshotFigures;
  timing: TimingFigures[];
}

const CODED_LOGGER = `
const definedMessages = ['Sensor started', 'Reading out of range', 'Low battery'];
function makeLogger(send) { return (msg) => { const code = definedMessages.findIndex(m => m === msg); send(code); }; }
function decode(code) { return definedMessages[code] ?? 'Unknown message'; }
const sent = [];
const log = makeLogger((code) => sent.push(code));
export function run() { log('Low battery'); return decode(sent[sent.length - 1]); }
`;

const CODED_LOGGER_BY_HAND = `
const definedMessages = ['Sensor started', 'Reading out of range', 'Low battery'];
function makeLogger(send) {
  return function (msg) {
    let code = -1;
    for (let i = 0; i < definedMessages.length; i++) {
      if (definedMessages[i] === msg) { code = i; break; }
    }
    send(code);
  };
}
function decode(code) { return code >= 0 && code < definedMessages.length ? definedMessages[code] : 'Unknown message'; }
const sent = [];
const log = makeLogger(function (code) { sent.push(code); });
export function run() { log('Low battery'); return decode(sent[sent.length - 1]); }
`;

const PIECES_TO_MEASURE = ["Array.prototype.findIndex", "Array.prototype.map", "Array.prototype.join", "Array.prototype.sort", "Math.round", "Math.random", "__sf_at", "__sf_len", "__sf_str_indexOf", "__sf_spread", "JSON.stringify", "Error"];

/** Each case: a lowered form and a hand-written form of the same loop body, run `n` times. The
 * setup is lowered for the lowered form and used as written for the hand-written one. */
const TIMING_CASES: Array<{ name: string; setup: string; lowered: string; handWritten: string; iterations: number }> = [
  {
    name: "a?.b ?? c",
    setup: "const objs = [{ b: 2 }, null, { b: undefined }];",
    lowered: "const o = objs[i % 3]; s += o?.b ?? 1;",
    handWritten: "const o = objs[i % 3]; if (o !== null && o !== undefined && o.b !== null && o.b !== undefined) s += o.b; else s += 1;",
    iterations: 60_000,
  },
  {
    name: "const { x, y, z } = p",
    setup: "const points = [{ x: 1, y: 2, z: 3 }, { x: 4, y: 5, z: 6 }];",
    lowered: "const { x, y, z } = points[i % 2]; s += x + y + z;",
    handWritten: "const p = points[i % 2]; s += p.x + p.y + p.z;",
    iterations: 60_000,
  },
  {
    name: "for (const v of arr)",
    setup: "const arr = [1, 2, 3, 4, 5, 6, 7, 8];",
    lowered: "for (const v of arr) s += v;",
    handWritten: "for (let j = 0; j < arr.length; j++) s += arr[j];",
    iterations: 15_000,
  },
  {
    name: "loop over an array parameter (typeof checks inline)",
    setup: "const data = [3, 1, 4, 1, 5, 9, 2, 6]; function sum(arr) { let t = 0; for (let j = 0; j < arr.length; j++) t += arr[j]; return t; }",
    lowered: "s += sum(data);",
    handWritten: "s += sum(data);",
    iterations: 15_000,
  },
  {
    name: "arr[k], k unknown (__sf_at call: strings, negative k)",
    setup: "const data = [3, 1, 4, 1, 5, 9, 2, 6]; function at(arr, k) { return arr[k]; }",
    lowered: "s += at(data, i % 8);",
    handWritten: "s += at(data, i % 8);",
    iterations: 60_000,
  },
  {
    name: "f(...args)",
    setup: "const args = [1, 2]; function add(a, b) { return a + b; }",
    lowered: "s += add(...args);",
    handWritten: "s += add(args[0], args[1]);",
    iterations: 30_000,
  },
  {
    name: "var in blocks and loops (hoisted to the function's top)",
    setup:
      "function withVar(k) { var a = 0; if (k > 0) { var a = k; } for (var j = 0; j < 2; j++) { var b; b = (b || 0) + j; } return a + b; }\n" +
      "function withLet(k) { let a = 0; let b; if (k > 0) { a = k; } for (let j = 0; j < 2; j++) { b = (b || 0) + j; } return a + b; }",
    lowered: "s += withVar(i % 3);",
    handWritten: "s += withLet(i % 3);",
    iterations: 30_000,
  },
];

export async function runLoweringBench(): Promise<LoweringBenchFigures> {
  return { snapshot: snapshotFigures(), timing: TIMING_CASES.map(timeCase) };
}

function snapshotFigures(): SnapshotFigures {
  const lowered = lowerForMicrovium(CODED_LOGGER, { filename: "feature.js" });
  const allPieces = [...stdlibCatalog().keys()];
  const empty = snapshotSize("export function run() { return 0; }", []);
  const pieceBytes: Record<string, number> = {};
  for (const piece of PIECES_TO_MEASURE) {
    // A program that keeps the piece reachable: reference it, or make an array (array methods
    // live on the prototype every array reaches).
    const keepAlive = piece.startsWith("Array.prototype.") ? "[]" : piece;
    pieceBytes[piece] = snapshotSize(`export function run() { return ${keepAlive}; }`, [piece]) - empty;
  }
  return {
    program: "coded logger (findIndex, ?? and a possibly negative index)",
    withUsedPieces: snapshotSize(lowered.code, lowered.usedStdlib),
    withWholeLibrary: snapshotSize(lowered.code, allPieces),
    handWritten: snapshotSize(CODED_LOGGER_BY_HAND, []),
    usedStdlib: lowered.usedStdlib,
    pieceBytes,
  };
}

function snapshotSize(code: string, pieces: string[]): number {
  const vm = Microvium.create(libraryHost());
  vm.globalThis.vmExport = vm.vmExport;
  installLibrary(vm, pieces);
  vm.evaluateModule({ sourceText: `${code}\nvmExport(1, run);`, debugFilename: "feature.js" });
  return vm.createSnapshot().data.length;
}

function timeCase(c: (typeof TIMING_CASES)[number]): TimingFigures {
  const loweredModule = lowerForMicrovium(`${c.setup}\nexport function run(n) { let s = 0; for (let i = 0; i < n; i++) { ${c.lowered} } return s; }`, { filename: "lowered.js" });
  const handWrittenModule = `${c.setup}\nexport function run(n) { let s = 0; for (let i = 0; i < n; i++) { ${c.handWritten} } return s; }`;
  const host = libraryHost();
  const vm = Microvium.create(host);
  vm.globalThis.vmExport = vm.vmExport;
  installLibrary(vm, loweredModule.usedStdlib);
  vm.evaluateModule({ sourceText: `${loweredModule.code}\nvmExport(1, run);`, debugFilename: "lowered.js" });
  // The hand-written form is evaluated as is: it is what the lowering would ideally produce.
  vm.evaluateModule({ sourceText: `${handWrittenModule}\nvmExport(2, run);`, debugFilename: "by-hand.js" });
  const native = Microvium.restore(vm.createSnapshot(), host);
  const lowered = native.resolveExport(1);
  const handWritten = native.resolveExport(2);
  // Same inputs, same answer: otherwise the comparison is meaningless.
  const check = [lowered(100), handWritten(100)];
  if (check[0] !== check[1]) throw new Error(`${c.name}: lowered gives ${check[0]}, hand-written ${check[1]}`);
  const time = (fn: (n: number) => unknown) => {
    const start = process.hrtime.bigint();
    fn(c.iterations);
    return Number(process.hrtime.bigint() - start) / c.iterations;
  };
  // Alternate and keep the best of three, so one pause doesn't decide the ratio.
  let loweredNs = Infinity;
  let handWrittenNs = Infinity;
  for (let round = 0; round < 3; round++) {
    loweredNs = Math.min(loweredNs, time(lowered));
    handWrittenNs = Math.min(handWrittenNs, time(handWritten));
  }
  return { case: c.name, iterations: c.iterations, loweredNsPerIteration: loweredNs, handWrittenNsPerIteration: handWrittenNs, ratio: loweredNs / handWrittenNs };
}

function print(figures: LoweringBenchFigures): void {
  const s = figures.snapshot;
  console.log(`snapshot bytes, ${s.program}:`);
  console.log(`  lowered + the ${s.usedStdlib.length} pieces it uses (${s.usedStdlib.join(", ")}): ${s.withUsedPieces}`);
  console.log(`  lowered + the whole library: ${s.withWholeLibrary}`);
  console.log(`  hand-written, no library: ${s.handWritten}`);
  console.log("bytes a piece adds to a snapshot that uses it:");
  for (const [piece, bytes] of Object.entries(s.pieceBytes)) console.log(`  ${piece.padEnd(28)} ${bytes}`);
  console.log("native engine, ns per iteration (lowered vs hand-written):");
  for (const t of figures.timing) {
    console.log(`  ${t.case.padEnd(58)} ${t.loweredNsPerIteration.toFixed(0).padStart(6)} vs ${t.handWrittenNsPerIteration.toFixed(0).padStart(6)}  x${t.ratio.toFixed(2)}`);
  }
}

if (require.main === module) {
  runLoweringBench().then(print, (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
