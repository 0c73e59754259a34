// The WebAssembly engine against its contract (core/engine/types.ts), under sustained traffic,
// with hostile snapshots, and against the microvium package's native engine.
import assert from "node:assert/strict";
import { Microvium } from "microvium";
import { MicroviumError, VmBudgetExceeded, VmException } from "./errors";
import { DEFAULT_INSTRUCTION_BUDGET, type HostFunction, type MicroviumEngine, type VmInstance, type VmPrimitive } from "./types";
import { loadWasmEngine } from "./wasmEngine";

/** Compiles `sourceText` to a snapshot with the compile-time VM of the microvium package. */
function snapshotOf(sourceText: string): Uint8Array {
  const vm = Microvium.create({});
  const globals = vm.globalThis as Record<string, unknown>;
  globals.vmExport = vm.vmExport;
  globals.vmImport = vm.vmImport;
  vm.evaluateModule({ sourceText, debugFilename: "t.js" });
  return new Uint8Array(vm.createSnapshot().data); // a copy: Buffer#slice would share memory
}

const hostTable = (table: Record<number, HostFunction>) => (id: number) => table[id];

/** Every kind of primitive, with the edges of Microvium's number encodings (int14, int32, float64). */
const PRIMITIVES: VmPrimitive[] = [
  undefined, null, true, false,
  0, -0, 1, -1, 8191, 8192, -8192, -8193, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, -(2 ** 53) - 2,
  1.5, -2.25, 0.1, 1 / 3, 5e-324, -1e-300, Number.MAX_VALUE, Infinity, -Infinity, NaN,
  "", "a", "héllo wörld", "日本語", "emoji 😀🎉", "nul \0 inside", "x".repeat(4094), "é".repeat(2047),
];

const ECHO_PROGRAM = `
const hostEcho = vmImport(10);
const hostValue = vmImport(11);
vmExport(1, (x) => x);
vmExport(2, (x) => typeof x);
vmExport(3, (x) => hostEcho(x));
vmExport(4, (i) => hostValue(i));
vmExport(5, (a, b, c) => [a, b, c].length + ":" + a + ":" + b + ":" + c);
`;

describe("engine: WebAssembly Microvium", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  describe("values crossing the boundary", () => {
    let vm: VmInstance;
    const hostSaw: VmPrimitive[] = [];
    before(() => {
      vm = engine.restore(snapshotOf(ECHO_PROGRAM), hostTable({
        10: (x) => {
          hostSaw.push(x);
          return x;
        },
        11: (i) => PRIMITIVES[i as number],
      }));
    });
    after(() => vm.dispose());

    it("passes every primitive in as an argument and back out as the result", () => {
      const echo = vm.resolveExport(1);
      for (const value of PRIMITIVES) assert.ok(Object.is(echo(value), value), `round-trip of ${String(value)}`);
    });

    it("gives the script the right type for each", () => {
      const typeOf = vm.resolveExport(2);
      for (const value of PRIMITIVES) {
        assert.equal(typeOf(value), value === null ? "object" : typeof value, `typeof ${String(value)}`);
      }
    });

    it("passes every primitive to a host function and its result back to the script", () => {
      const viaHost = vm.resolveExport(3);
      hostSaw.length = 0;
      for (const value of PRIMITIVES) assert.ok(Object.is(viaHost(value), value), `via host: ${String(value)}`);
      assert.equal(hostSaw.length, PRIMITIVES.length);
      PRIMITIVES.forEach((value, i) => assert.ok(Object.is(hostSaw[i], value), `host saw ${String(value)}`));
    });

    it("takes every primitive as a host function result", () => {
      const hostValue = vm.resolveExport(4);
      PRIMITIVES.forEach((value, i) => assert.ok(Object.is(hostValue(i), value), `host result ${String(value)}`));
    });

    it("passes several arguments, and undefined for missing ones", () => {
      assert.equal(vm.resolveExport(5)(1, "b", true), "3:1:b:true");
      assert.equal(vm.resolveExport(5)(1), "3:1:undefined:undefined");
    });

    it("prints numbers in the script exactly as C's %.15g does (like the native engine)", () => {
      const program = snapshotOf(`vmExport(1, (x) => "" + x);`);
      const toText = engine.restore(program, () => undefined).resolveExport(1);
      const expected: [number, string][] = [
        [0.1 + 0.2, "0.3"], [1 / 3, "0.333333333333333"], [-2.5, "-2.5"], [1e21, "1e+21"], [1e-7, "1e-07"],
        [0.0001, "0.0001"], [123456789012345.6, "123456789012346"], [999999999999999.5, "1e+15"],
        [1234567890123.625, "1234567890123.62"], [1000000000000005, "1e+15"], [5e-324, "4.94065645841247e-324"],
        [Number.MAX_VALUE, "1.79769313486232e+308"], [2 ** 53, "9.00719925474099e+15"], [2 ** 31, "2147483648"],
        [-(2 ** 31), "-2147483648"], [100.25, "100.25"], [-0, "0"], [Infinity, "Infinity"], [NaN, "NaN"],
      ];
      for (const [value, text] of expected) assert.equal(toText(value), text, `"" + ${value}`);
    });

    it("rejects strings the engine cannot allocate, and stays usable", () => {
      const echo = vm.resolveExport(1);
      assert.throws(() => echo("x".repeat(4095)), RangeError);
      assert.throws(() => echo("é".repeat(2048)), RangeError);
      assert.equal(echo("still fine"), "still fine");
    });

    it("rejects non-primitive arguments and results with a TypeError", () => {
      const echo = vm.resolveExport(1) as (...args: unknown[]) => VmPrimitive;
      assert.throws(() => echo({}), TypeError);
      assert.throws(() => echo(10n), TypeError);
      const objects = engine.restore(snapshotOf(`vmExport(1, () => ({ a: 1 })); vmExport(2, () => [1]);`), () => undefined);
      assert.throws(() => objects.resolveExport(1)(), /returned an object/);
      assert.throws(() => objects.resolveExport(2)(), /returned an array/);
      assert.equal(echo(7), 7);
    });
  });

  it("survives 200,000 calls passing floats and strings both ways", () => {
    const snapshot = snapshotOf(`
      const report = vmImport(1);
      let total = 0;
      vmExport(1, (x, label) => {
        total = total + x;
        return report(label + "#" + (total > 0), x * 0.5) + 0.25;
      });
    `);
    let received = 0;
    const vm = engine.restore(snapshot, hostTable({
      1: (label, half) => {
        received++;
        assert.equal(typeof label, "string");
        return (half as number) * 2;
      },
    }));
    const step = vm.resolveExport(1);
    for (let i = 0; i < 200_000; i++) {
      const x = i * 1.000001 + 0.1;
      const result = step(x, `call-${i % 97} ünï`);
      if (result !== x + 0.25) assert.fail(`call ${i}: ${String(result)} instead of ${x + 0.25}`);
    }
    assert.equal(received, 200_000);
    const stats = vm.getMemoryStats();
    assert.ok(stats.heapUsed < 0x8000 && stats.totalSize < 0x10000, JSON.stringify(stats));
    vm.dispose();
  });

  it("survives the GC compacting objects extended after creation (patched engine bug): every round's sum equals Node's", () => {
    // Unpatched, the GC writes past a bucket while merging child property lists and the VM
    // fails with MVM_E_ASSERTION_FAILED or corrupts memory (scripts/build-engine.mjs). The sums
    // are deterministic, so the same program run by Node says what each round must return.
    // Objects get seven properties after creation; 160 live ones keep the heap near its cap, so
    // the GC compacts often: the unpatched engine fails this with MVM_E_ASSERTION_FAILED.
    const program = `
        const live = [];
        let seed = 7;
        vmExport(1, (round) => {
          for (let i = 0; i < 20; i++) {
            const o = { a: round };
            o.b = i; o.c = "s" + i; o.d = i * 0.5; o.e = seed; o.f = round + i; o.g = 3; o.h = i % 7;
            seed = (seed * 17 + 11) % 1009;
            if (live.length < 160) live.push(o); else live[seed % 160] = o;
          }
          let sum = 0;
          for (let i = 0; i < live.length; i++) { const o = live[i]; sum = sum + o.a + o.b + o.d + o.e + o.f + o.g + o.h; }
          return sum;
        });
      `;
    const vm = engine.restore(snapshotOf(program), () => undefined);
    const inNode: Record<number, (round: number) => number> = {};
    new Function("vmExport", program)((id: number, fn: (round: number) => number) => (inNode[id] = fn));
    const step = vm.resolveExport(1);
    const sums = new Set<number>();
    for (let round = 0; round < 3000; round++) {
      const expected = inNode[1](round);
      const sum = step(round);
      if (sum !== expected) assert.fail(`round ${round}: the VM's sum is ${String(sum)}, Node's ${expected}`);
      sums.add(expected);
    }
    assert.ok(sums.size > 100, "the sums vary from round to round, so a stale or constant result can't pass");
    vm.dispose();
  });

  describe("errors", () => {
    it("rethrows the very error object a host function threw, uncatchable by the script", () => {
      const failure = new Error("sensor unplugged");
      const vm = engine.restore(
        snapshotOf(`
          const read = vmImport(1);
          vmExport(1, () => { try { return read(); } catch (e) { return "script caught it"; } });
        `),
        hostTable({ 1: () => { throw failure; } }),
      );
      assert.throws(() => vm.resolveExport(1)(), (error) => error === failure);
      assert.throws(() => vm.resolveExport(1)(), (error) => error === failure, "and again: the VM is still usable");
      vm.dispose();
    });

    it("rethrows non-Error values a host function threw", () => {
      const vm = engine.restore(snapshotOf(`const f = vmImport(1); vmExport(1, () => f());`), hostTable({ 1: () => { throw "plain string"; } }));
      assert.throws(() => vm.resolveExport(1)(), (error) => error === "plain string");
    });

    it("turns an uncaught throw in the script into a VmException carrying the message", () => {
      const vm = engine.restore(
        snapshotOf(`
          class Oops { constructor(message) { this.message = message; } }
          vmExport(1, () => { throw "text thrown"; });
          vmExport(2, () => { throw 42.5; });
          vmExport(3, () => { throw { message: "object with message", code: 7 }; });
          vmExport(4, () => { throw { code: 7 }; });
          vmExport(5, () => { throw new Oops("class instance"); });
          vmExport(6, () => { try { throw "inner"; } catch (e) { return "caught " + e; } });
        `),
        () => undefined,
      );
      const thrown = (id: number) => {
        try {
          vm.resolveExport(id)();
        } catch (error) {
          assert.ok(error instanceof VmException, `export ${id} throws a VmException`);
          return error;
        }
        assert.fail(`export ${id} did not throw`);
      };
      assert.deepEqual([thrown(1).message, thrown(1).thrown], ["text thrown", "text thrown"]);
      assert.deepEqual([thrown(2).message, thrown(2).thrown], ["42.5", 42.5]);
      assert.deepEqual([thrown(3).message, thrown(3).thrown], ["object with message", undefined]);
      assert.match(thrown(4).message, /threw an object without a message/);
      assert.equal(thrown(5).message, "class instance");
      assert.equal(vm.resolveExport(6)(), "caught inner");
    });

    it("reports engine errors (calling a non-function) as MicroviumError and stays usable", () => {
      const vm = engine.restore(snapshotOf(`vmExport(1, (x) => x()); vmExport(2, () => "ok");`), () => undefined);
      assert.throws(() => vm.resolveExport(1)(5), (error) => error instanceof MicroviumError && /NOT_CALLABLE/.test(error.message));
      assert.equal(vm.resolveExport(2)(), "ok");
    });

    it("names the host function a snapshot needs and the host lacks", () => {
      const snapshot = snapshotOf(`const a = vmImport(3); const b = vmImport(4); vmExport(1, () => a() + b());`);
      assert.throws(() => engine.restore(snapshot, hostTable({ 3: () => 1 })), /host function 4/);
    });

    it("rejects unknown and non-function exports", () => {
      const vm = engine.restore(snapshotOf(`vmExport(1, () => 1); vmExport(2, 42);`), () => undefined);
      assert.throws(() => vm.resolveExport(9), (error) => error instanceof MicroviumError && /export 9 .* does not exist/.test(error.message));
      assert.throws(() => vm.resolveExport(2), /export 2 of the snapshot is not a function/);
    });

    it("stops a VM that runs out of heap, without affecting others", () => {
      const program = snapshotOf(`let kept = null; vmExport(1, () => { let n = 0; while (true) { n++; kept = { next: kept, n: n }; } });`);
      const victim = engine.restore(program, () => undefined);
      const bystander = engine.restore(snapshotOf(`vmExport(1, (x) => x + 1);`), () => undefined);
      assert.throws(() => victim.resolveExport(1)(), (error) => error instanceof MicroviumError && /OUT_OF_MEMORY/.test(error.message));
      assert.throws(() => victim.resolveExport(1)(), /fatal engine error/);
      assert.throws(() => victim.getMemoryStats(), /fatal engine error/);
      assert.equal(bystander.resolveExport(1)(1), 2);
      victim.dispose();
      bystander.dispose();
    });
  });

  it("keeps closures and state across calls", () => {
    const vm = engine.restore(
      snapshotOf(`
        let count = 0;
        const log = [];
        function makeCounter(step) { let n = 0; return () => { n = n + step; return n; }; }
        const byTwo = makeCounter(2);
        vmExport(1, () => { count++; log.push(count); return count; });
        vmExport(2, () => byTwo());
        vmExport(3, () => log.length + ":" + log[log.length - 1]);
      `),
      () => undefined,
    );
    for (let i = 1; i <= 50; i++) assert.equal(vm.resolveExport(1)(), i);
    assert.deepEqual([vm.resolveExport(2)(), vm.resolveExport(2)(), vm.resolveExport(2)()], [2, 4, 6]);
    assert.equal(vm.resolveExport(3)(), "50:50");
  });

  it("lets a host function call back into the same VM, and bounds the depth", () => {
    let vm: VmInstance;
    const snapshot = snapshotOf(`
      const callBack = vmImport(1);
      let depth = 0;
      vmExport(1, (n) => { if (n === 0) return "bottom"; depth++; return n + ">" + callBack(n - 1); });
      vmExport(2, () => depth);
    `);
    vm = engine.restore(snapshot, hostTable({ 1: (n) => vm.resolveExport(1)(n) }));
    assert.equal(vm.resolveExport(1)(3), "3>2>1>bottom");
    assert.equal(vm.resolveExport(2)(), 3);
    assert.throws(() => vm.resolveExport(1)(1000), (error) => error instanceof MicroviumError && /STACK_OVERFLOW/.test(error.message));
    assert.equal(vm.resolveExport(1)(2), "2>1>bottom", "usable after hitting the bound");
  });

  it("the VM heap is capped at 32 KB: a program that keeps allocating stops with out-of-memory at the cap", () => {
    const vm = engine.restore(snapshotOf(`let head = null; let count = 0; vmExport(1, (n) => { for (let i = 0; i < n; i++) { head = { next: head, i: count }; count = count + 1; } return count; });`), () => undefined);
    const grow = vm.resolveExport(1);
    let highWater = 0;
    let failure: unknown;
    for (let calls = 0; calls < 10_000 && failure === undefined; calls++) {
      try {
        grow(20);
        highWater = vm.getMemoryStats().heapHighWaterMark;
      } catch (e) {
        failure = e;
      }
    }
    assert.ok(failure instanceof MicroviumError, `no out-of-memory after a heap of ${highWater} B: ${String(failure)}`);
    assert.equal((failure as MicroviumError).codeName, "MVM_E_OUT_OF_MEMORY", String(failure));
    assert.match(String((failure as Error).message), /its heap is capped at 32 KB/);
    assert.ok(highWater <= 32 * 1024, `the heap grew to ${highWater} B, past 32 KB`);
    assert.ok(highWater > 30 * 1024, `out of memory at ${highWater} B, well below the 32 KB cap`);
    assert.throws(() => grow(1), /stopped after a fatal engine error/);
    // A fresh VM from the same snapshot starts empty again.
    const fresh = engine.restore(snapshotOf(`vmExport(1, (n) => n + 1);`), () => undefined);
    assert.equal(fresh.resolveExport(1)(1), 2);
    fresh.dispose();
  });

  it("reports memory statistics", () => {
    const vm = engine.restore(snapshotOf(`const items = []; vmExport(1, (n) => { for (let i = 0; i < n; i++) items.push({ i: i }); return items.length; });`), () => undefined);
    const before = vm.getMemoryStats();
    assert.ok(before.heapUsed > 0 && before.totalSize >= before.heapUsed, JSON.stringify(before));
    vm.resolveExport(1)(200);
    const after = vm.getMemoryStats();
    assert.ok(after.heapUsed > before.heapUsed, JSON.stringify(after));
    assert.ok(after.heapHighWaterMark >= after.heapUsed);
    assert.ok(after.stackHighWaterMark > 0 && after.stackHighWaterMark <= 2048);
    assert.ok(after.totalSize < 200_000);
  });

  describe("instruction budget", () => {
    /** Export 1 never returns; export 2 sums 0..k-1 (17-20 instructions per step); export 3
     * reads the state export 1 left. */
    const RUNAWAY = snapshotOf(`
      let spins = 0;
      vmExport(1, () => { while (true) { spins++; } });
      vmExport(2, (k) => { let s = 0; for (let i = 0; i < k; i++) s += i; return s; });
      vmExport(3, () => spins);
      vmExport(4, () => { try { while (true) { spins++; } } catch (e) { return "caught"; } });
    `);
    const isBudgetError = (budget: number) => (error: unknown) =>
      error instanceof VmBudgetExceeded && error instanceof MicroviumError && error.budget === budget &&
      error.message.includes(`ran more than ${budget.toLocaleString("en-US")} instructions in one call`) && /a loop that never ends\?/.test(error.message);

    it("stops a call that never returns with VmBudgetExceeded; the VM keeps its state and takes the next call", () => {
      const vm = engine.restore(RUNAWAY, () => undefined);
      assert.throws(() => vm.resolveExport(1)(), isBudgetError(DEFAULT_INSTRUCTION_BUDGET));
      const spins = vm.resolveExport(3)() as number;
      assert.ok(spins > 10_000 && spins < DEFAULT_INSTRUCTION_BUDGET, `the loop ran ${spins} times before it was stopped`);
      assert.equal(vm.resolveExport(2)(100), 4950);
      assert.throws(() => vm.resolveExport(1)(), isBudgetError(DEFAULT_INSTRUCTION_BUDGET), "and again");
      assert.ok((vm.resolveExport(3)() as number) > spins);
      vm.dispose();
    });

    it("can't be caught by the script", () => {
      const vm = engine.restore(RUNAWAY, () => undefined);
      assert.throws(() => vm.resolveExport(4)(), isBudgetError(DEFAULT_INSTRUCTION_BUDGET));
      vm.dispose();
    });

    it("counts each call from zero: many calls far over the budget together all run", () => {
      const vm = engine.restore(RUNAWAY, () => undefined, { instructionBudget: 10_000 });
      const sum = vm.resolveExport(2);
      for (let call = 0; call < 200; call++) assert.equal(sum(300), 44850, `call ${call}`); // ~6,000 instructions each
      assert.throws(() => sum(1000), isBudgetError(10_000), "one call over it stops");
      assert.equal(sum(300), 44850);
      vm.dispose();
    });

    it("0 and Infinity turn it off", () => {
      const k = 150_000; // about 3 million instructions
      assert.throws(() => engine.restore(RUNAWAY, () => undefined).resolveExport(2)(k), isBudgetError(DEFAULT_INSTRUCTION_BUDGET));
      for (const instructionBudget of [0, Infinity]) {
        const vm = engine.restore(RUNAWAY, () => undefined, { instructionBudget });
        assert.equal(vm.resolveExport(2)(k), (k * (k - 1)) / 2, `instructionBudget ${instructionBudget}`);
        vm.dispose();
      }
    });

    it("refuses budgets the engine can't count, saying what it takes", () => {
      for (const instructionBudget of [-1, 1.5, NaN, 2 ** 31, -Infinity]) {
        assert.throws(
          () => engine.restore(RUNAWAY, () => undefined, { instructionBudget }),
          (error) => error instanceof RangeError && /instructionBudget must be a whole number of instructions from 1 to 2147483647, or 0 or Infinity/.test(error.message),
          String(instructionBudget),
        );
      }
    });

    it("stops a script looping through a host function", () => {
      let calls = 0;
      const vm = engine.restore(snapshotOf(`const tick = vmImport(1); vmExport(1, () => { while (true) tick(); });`), hostTable({ 1: () => void calls++ }));
      assert.throws(() => vm.resolveExport(1)(), isBudgetError(DEFAULT_INSTRUCTION_BUDGET));
      assert.ok(calls > 1000, `${calls} host calls`);
      vm.dispose();
    });

    describe("a host function calling back into the VM", () => {
      let vm: VmInstance;
      let swallow = false;
      const program = snapshotOf(`
        const callBack = vmImport(1);
        vmExport(1, (n) => { let total = 0; for (let i = 0; i < n; i++) total += callBack(); return total; });
        vmExport(2, () => { let s = 0; for (let j = 0; j < 50; j++) s++; return s; });
        vmExport(3, () => { while (true) {} });
        vmExport(4, () => { callBack(); return "went on"; });
      `);
      const restore = (inner: number) => {
        vm = engine.restore(
          program,
          hostTable({
            1: () => {
              try {
                return vm.resolveExport(inner)();
              } catch (error) {
                if (!swallow) throw error;
                return 0;
              }
            },
          }),
          { instructionBudget: 20_000 },
        );
      };
      afterEach(() => vm.dispose());

      it("spends from the outer call's budget (nested calls don't start a new one)", () => {
        restore(2);
        assert.equal(vm.resolveExport(1)(5), 250, "a few nested calls fit");
        // 300 nested calls of ~1,000 instructions each: each fits alone, together they don't.
        assert.throws(() => vm.resolveExport(1)(300), isBudgetError(20_000));
        assert.equal(vm.resolveExport(1)(5), 250, "usable afterwards");
      });

      it("stops the outer call too when the host function swallows the nested call's error", () => {
        restore(3);
        swallow = true;
        try {
          assert.throws(() => vm.resolveExport(4)(), isBudgetError(20_000));
        } finally {
          swallow = false;
        }
        assert.equal(vm.resolveExport(2)(), 50, "usable afterwards");
      });
    });
  });

  describe("hostile snapshots", () => {
    const good = snapshotOf(`const h = vmImport(1); let n = 0; vmExport(1, (x) => { n = n + x; return h(n); });`);
    const imports = hostTable({ 1: (x) => x });

    /** Restoring must throw an Error or give a VM whose calls return or throw Errors. */
    function tryRestore(bytes: Uint8Array): "rejected" | "accepted" {
      let vm: VmInstance;
      try {
        vm = engine.restore(bytes, imports);
      } catch (error) {
        assert.ok(error instanceof Error, `restore threw a non-Error: ${String(error)}`);
        return "rejected";
      }
      try {
        vm.resolveExport(1)(1);
      } catch (error) {
        assert.ok(error instanceof Error);
      }
      vm.dispose();
      return "accepted";
    }

    it("rejects every single-byte corruption the CRC covers", () => {
      for (let i = 0; i < good.length; i++) {
        const bytes = good.slice();
        bytes[i] ^= 0x5a;
        // Bytes 0-7 (version, sizes, the CRC itself) are not under the CRC; some of them,
        // like the reserved byte, may be ignored: those must still run or fail cleanly.
        if (tryRestore(bytes) === "accepted") assert.ok(i < 8, `corruption at byte ${i} (covered by the CRC) was accepted`);
      }
    });

    it("rejects truncated, empty, oversized and random input", () => {
      for (const length of [0, 1, 7, 8, 20, good.length >> 1, good.length - 1]) {
        assert.equal(tryRestore(good.slice(0, length)), "rejected", `truncated to ${length} bytes`);
      }
      const padded = new Uint8Array(good.length + 16);
      padded.set(good);
      assert.equal(tryRestore(padded), "rejected");
      assert.equal(tryRestore(new Uint8Array(70_000)), "rejected");
      let seed = 1;
      const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
      for (let n = 0; n < 200; n++) {
        const bytes = Uint8Array.from({ length: 16 + (n % 300) }, random);
        assert.equal(tryRestore(bytes), "rejected");
      }
    });

    it("still restores the intact snapshot", () => {
      const vm = engine.restore(good, imports);
      assert.equal(vm.resolveExport(1)(2), 2);
    });
  });

  describe("dispose", () => {
    it("makes every later use throw", () => {
      const vm = engine.restore(snapshotOf(`vmExport(1, () => 1);`), () => undefined);
      const fn = vm.resolveExport(1);
      vm.dispose();
      assert.throws(() => fn(), /disposed/);
      assert.throws(() => vm.resolveExport(1), /disposed/);
      assert.throws(() => vm.getMemoryStats(), /disposed/);
      vm.dispose(); // idempotent
    });

    it("refuses to dispose from inside the VM's own call", () => {
      let vm: VmInstance;
      vm = engine.restore(snapshotOf(`const f = vmImport(1); vmExport(1, () => f());`), hostTable({ 1: () => vm.dispose() }));
      assert.throws(() => vm.resolveExport(1)(), /cannot be disposed from inside/);
      vm.dispose();
    });
  });

  it("gives the same results as the microvium package's native engine", () => {
    const source = `
      const hostAdd = vmImport(1);
      const hostName = vmImport(2);
      vmExport(1, (a, b) => a * b + a / b - (a % b));
      vmExport(2, (a, b) => a + "-" + b + "-" + hostName(a));
      vmExport(3, (n) => { const xs = []; for (let i = 0; i < n; i++) xs.push(i * i); return xs.length + ":" + xs[n - 1] + ":" + xs.join; });
      vmExport(4, (k) => { const o = { a: 1, b: "two" }; o.c = k; return o.a + o.b + o.c + Reflect.ownKeys(o).length; });
      let acc = 0;
      const makeAdder = (x) => (y) => x + y + acc;
      vmExport(5, (x) => { acc = acc + 1; return makeAdder(x)(hostAdd(x, 2)); });
      vmExport(6, (x) => (x / 3) + ":" + (x * 1.1) + ":" + (x ** 0.5) + ":" + (0.1 + 0.2) + ":" + (1 / x));
      vmExport(7, (x) => (x | 0) + ":" + (x >>> 1) + ":" + (~x) + ":" + (x << 3) + ":" + (-x >> 1));
      vmExport(8, (s) => (s === "abc") + ":" + typeof s + ":" + [s, s].length + ":" + (s + s) + ":" + (s < "b"));
    `;
    const snapshot = snapshotOf(source);
    const host: Record<number, HostFunction> = { 1: (a, b) => (a as number) + (b as number), 2: (a) => `n${String(a)}` };
    // The native engine aborts the process on any VM error (MVM_ALL_ERRORS_FATAL), so
    // every call here must succeed; and it only survives light traffic (see wasmVm.ts).
    const native = Microvium.restore({ data: snapshot } as Parameters<typeof Microvium.restore>[0], host as Record<number, Function>);
    const wasm = engine.restore(snapshot, hostTable(host));
    const calls: [number, VmPrimitive[]][] = [
      [1, [7, 3]], [1, [100, 7]], [2, [5, "x"]], [2, ["a", "b"]], [3, [5]], [3, [12]], [4, ["k"]], [4, [3]],
      [5, [1]], [5, [10]], [5, [3]], [6, [7]], [6, [2]], [7, [5]], [7, [-9]], [8, ["abc"]], [8, ["hello"]],
    ];
    for (const [id, args] of calls) {
      const expected = native.resolveExport(id)(...args);
      const actual = wasm.resolveExport(id)(...args);
      assert.ok(Object.is(actual, expected), `export ${id}(${args.join(", ")}): wasm ${String(actual)}, native ${String(expected)}`);
    }
  });
});
