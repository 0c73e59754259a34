/** scripts/stackDepth.mjs, the worst-case stack of a Cortex-M image, on a small C program compiled
 * here for the Cortex-M0+ (test/fixtures/stackDepth/program.c): the frames it adds up are the
 * ones gcc's -fstack-usage wrote for this compile, the entries come from the vector table, a
 * pointer call and a recursion count only as the list says, and what the list misses fails by
 * name. Skipped, saying why, without gcc-arm-none-eabi. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(ROOT, "test/fixtures/stackDepth/program.c");
const SECURE_FIXTURE = path.join(ROOT, "test/fixtures/stackDepth/secure.c");
const CPU = ["-mcpu=cortex-m0plus", "-mthumb"];
/** The TrustZone build's CPU flags (scripts/build-firmware.mjs), for the secure fixture. */
const M33 = ["-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"];

type Step = { name: string; bytes: number };
type Path = { entry: string; bytes: number; path: Step[] };
type Result = { needed: number; thread: Path; handler: Path; fault?: Path & { reserve: number }; secureEntries: Path[]; errors: string[] };

/** gcc's frames of a compile (`-fstack-usage`'s .su file), by function name. */
const suFrames = (file: string) =>
  new Map(
    fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const [where, bytes] = line.split("\t");
        return [where.split(":").pop()!, Number(bytes)] as [string, number];
      }),
  );

describe("stack depth analysis (scripts/stackDepth.mjs)", function () {
  this.timeout(60_000);
  let dir: string;
  let frames: Map<string, number>;
  let secureFrames: Map<string, number>;
  let analyze: (calls: object, elf?: string, ci?: string, faultReserveBytes?: number) => Result;
  // an untyped .mjs build script
  let stack: any;

  before(async function () {
    try {
      execFileSync("arm-none-eabi-gcc", ["--version"], { stdio: "ignore" });
    } catch {
      console.log("      skipped: arm-none-eabi-gcc is not installed: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi");
      this.skip();
    }
    stack = await import(path.join(ROOT, "scripts/stackDepth.mjs"));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-stack-"));
    const object = path.join(dir, "program.o");
    execFileSync("arm-none-eabi-gcc", [...CPU, "-Os", "-ffunction-sections", "-fstack-usage", "-fcallgraph-info=su", "-c", FIXTURE, "-o", object]);
    execFileSync("arm-none-eabi-gcc", [...CPU, "--specs=nano.specs", "-nostartfiles", "-Wl,--defsym=__stack_top=0x20001000", "-Wl,-e,Reset_Handler", object, "-o", path.join(dir, "program.elf")]);
    // gcc's own figures for this compile: what the analysis must add up
    frames = suFrames(path.join(dir, "program.su"));
    // The TrustZone fixture, linked as the secure image is: the veneers at their own address, the
    // import library written (scripts/build-firmware.mjs's buildSecureImage)
    const secureObject = path.join(dir, "secure.o");
    execFileSync("arm-none-eabi-gcc", [...M33, "-mcmse", "-O2", "-ffunction-sections", "-fstack-usage", "-fcallgraph-info=su", "-c", SECURE_FIXTURE, "-o", secureObject]);
    execFileSync("arm-none-eabi-gcc", [...M33, "--specs=nano.specs", "-nostartfiles", "-Wl,--defsym=__stack_top=0x38001000", "-Wl,-e,Reset_Handler", "-Wl,-Ttext=0x10000000", "-Wl,--section-start=.gnu.sgstubs=0x1003f000", "-Wl,--cmse-implib", `-Wl,--out-implib=${path.join(dir, "secure-implib.o")}`, secureObject, "-o", path.join(dir, "secure.elf")]);
    secureFrames = suFrames(path.join(dir, "secure.su"));
    // The same program with its code at 0x1000_0000, where the Cortex-M33's is: objdump writes
    // 8-digit addresses there and doesn't indent the instruction lines.
    execFileSync("arm-none-eabi-gcc", [...CPU, "--specs=nano.specs", "-nostartfiles", "-Wl,--defsym=__stack_top=0x20001000", "-Wl,-e,Reset_Handler", "-Wl,-Ttext=0x10000000", object, "-o", path.join(dir, "program-high.elf")]);
    analyze = (calls, elf = "program.elf", ci = "program.ci", faultReserveBytes = undefined) => {
      const file = path.join(dir, "calls.json");
      fs.writeFileSync(file, JSON.stringify({ fixture: calls }));
      return stack.analyzeImage({ target: "fixture", elf: path.join(dir, elf), ciFiles: [path.join(dir, ci)], callsFile: file, exceptionFrameBytes: 32, faultReserveBytes }) as Result;
    };
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const pointer = { pointers: { handler: { targets: ["small", "large"], why: "program.c's handler" } }, indirect: { callThrough: ["handler"] } };
  const bounded = { recursion: [{ functions: ["nest"], depth: 4, why: "FIXTURE_DEPTH" }] };
  const sum = (steps: Step[]) => steps.reduce((total, s) => total + s.bytes, 0);

  it("takes the deepest path from the reset handler, through the biggest target of a pointer call, into the C library", () => {
    const result = analyze({ ...pointer, ...bounded });
    assert.deepEqual(result.errors, []);
    assert.equal(result.thread.entry, "Reset_Handler", "the thread's entry is vector 1");
    const names = result.thread.path.map((s) => s.name);
    assert.deepEqual(names.slice(0, 4), ["Reset_Handler", "main", "callThrough", "large"]);
    for (const step of result.thread.path.slice(0, 4)) assert.equal(step.bytes, frames.get(step.name), `${step.name}'s frame is gcc's figure`);
    // large's `%` is libgcc's division: a frame read from the image's disassembly
    assert.ok(names.slice(4).some((n) => /udiv/.test(n)), `the path goes on into libgcc's division: ${names.join(" → ")}`);
    assert.equal(result.thread.bytes, sum(result.thread.path));
    assert.ok(result.thread.bytes > ["Reset_Handler", "main", "callThrough", "large"].reduce((t, n) => t + frames.get(n)!, 0), "the library's frames count");
  });

  it("adds the deepest interrupt handler with the frame the core stacks on entry", () => {
    const result = analyze({ ...pointer, ...bounded });
    assert.equal(result.handler.entry, "SysTick_Handler", "deeper than the fault handler (halt)");
    assert.equal(result.handler.bytes, frames.get("SysTick_Handler")! + 32);
    assert.equal(result.needed, result.thread.bytes + result.handler.bytes);
  });

  it("with a stack limit's fault reserve: the HardFault vector's handler runs under the limit, its path against the reserve; above it the thread and the deepest other interrupt", () => {
    const result = analyze({ ...pointer, ...bounded }, "program.elf", "program.ci", 64);
    assert.deepEqual(result.errors, []);
    assert.equal(result.fault?.entry, "halt", "the handler of vector 3 (HardFault)");
    assert.equal(result.fault.reserve, 64);
    assert.equal(result.fault.bytes, frames.get("halt"), "its own path, without the frame the core stacks above the limit");
    assert.equal(result.handler.entry, "SysTick_Handler");
    assert.equal(result.needed, result.thread.bytes + frames.get("SysTick_Handler")! + 32 + 64);
    assert.equal(analyze({ ...pointer, ...bounded }).fault, undefined, "no reserve: no separate fault path (the M0+ has no limit)");
  });

  it("counts a recursion's frames as many times as its bound, read from the C source when named", () => {
    const smallOnly = { pointers: { handler: { targets: ["small"], why: "" } }, indirect: { callThrough: ["handler"] } };
    const byNumber = analyze({ ...smallOnly, ...bounded });
    const step = byNumber.thread.path.find((s) => s.name.startsWith("[recursion nest"));
    assert.ok(step, `the recursion is on the deepest path: ${byNumber.thread.path.map((s) => s.name).join(" → ")}`);
    assert.equal(step.bytes, 4 * frames.get("nest")!);
    const relative = path.relative(dir, FIXTURE);
    const byName = analyze({ ...smallOnly, recursion: [{ functions: ["nest"], depth: "FIXTURE_DEPTH", in: relative, why: "" }] });
    assert.deepEqual(byName.errors, []);
    assert.equal(byName.thread.bytes, byNumber.thread.bytes, "FIXTURE_DEPTH is 4 in program.c");
    assert.throws(() => analyze({ ...smallOnly, recursion: [{ functions: ["nest"], depth: "NO_SUCH_SETTING", in: relative }] }), /bounded by NO_SUCH_SETTING, which .* doesn't #define to a number/);
  });

  it("fails by name on a pointer call, a recursion or a target the list doesn't cover", () => {
    const noPointer = analyze({ ...bounded });
    assert.ok(noPointer.errors.some((e) => /^callThrough \(program\.c\) calls through a function pointer/.test(e)), noPointer.errors.join("\n"));
    const noBound = analyze({ ...pointer });
    assert.ok(noBound.errors.some((e) => /^recursion nest → nest has no bound/.test(e)), noBound.errors.join("\n"));
    const typo = analyze({ pointers: { handler: { targets: ["smal"] } }, indirect: { callThrough: ["handler"] }, ...bounded });
    assert.ok(typo.errors.some((e) => /"smal", a target of the pointer "handler", is no function of the image/.test(e)), typo.errors.join("\n"));
    const unknownKind = analyze({ indirect: { callThrough: ["nothing"] }, ...bounded });
    assert.ok(unknownKind.errors.some((e) => /"callThrough" calls through "nothing", which is not under "pointers"/.test(e)), unknownKind.errors.join("\n"));
  });

  it("reads the C library's frames the same at the M33's addresses (0x1000_0000), where objdump doesn't indent", () => {
    const low = analyze({ ...pointer, ...bounded });
    const high = analyze({ ...pointer, ...bounded }, "program-high.elf");
    const text = execFileSync("arm-none-eabi-objdump", ["-d", "--no-show-raw-insn", path.join(dir, "program-high.elf")], { encoding: "utf8" });
    assert.match(text, /^1000[0-9a-f]{4}:\t/m, "the high image's instruction lines start with their address, unindented");
    assert.deepEqual(high.errors, []);
    assert.deepEqual(high.thread.path, low.thread.path, "the same path and frames, libgcc's division included");
    assert.ok(high.thread.path.some((s) => /udiv/.test(s.name) && s.bytes > 0), high.thread.path.map((s) => `${s.name} ${s.bytes}`).join(" → "));
  });

  it("reads objdump's instruction lines with and without the indent (real lines of the M0+ and the M33 images)", () => {
    // newlib's exit as objdump prints it in the M33 image (code at 0x1000_0000) and where the M0+'s
    // code is (0x0000_xxxx, the address padded to its width and indented)
    const m33 = ["1001d9e0 <exit>:", "1001d9e0:\tpush\t{r3, lr}", "1001d9e2:\tldr\tr3, [pc, #28]\t@ (1001da00 <exit+0x20>)", "1001d9f6:\tblx\tr3", "1001d9fa:\tbl\t1000bfc0 <_exit>", "1001da00:\t.word\t0x00000000", "", "1000bfc0 <_exit>:", "1000bfc0:\tb.n\t1000bfc0 <_exit>"].join("\n");
    const m0 = ["0000d9e0 <exit>:", "    d9e0:\tpush\t{r3, lr}", "    d9e2:\tldr\tr3, [pc, #28]\t@ (da00 <exit+0x20>)", "    d9f6:\tblx\tr3", "    d9fa:\tbl\tbfc0 <_exit>", "    da00:\t.word\t0x00000000", "", "0000bfc0 <_exit>:", "    bfc0:\tb.n\tbfc0 <_exit>"].join("\n");
    assert.deepEqual(stack.instructionLine("1001d9e0:\tpush\t{r3, lr}"), { op: "push", args: "{r3, lr}" });
    assert.deepEqual(stack.instructionLine("    1a2c:\tpush\t{r3, lr}"), { op: "push", args: "{r3, lr}" });
    assert.equal(stack.instructionLine("1001da00:\t.word\t0x00000000"), undefined, "data in the code is no instruction");
    assert.equal(stack.instructionLine("1001d9e0 <exit>:"), undefined, "a function's head is no instruction");
    for (const text of [m33, m0]) {
      const exit = stack.disassemblyFrames(text).get("exit")!;
      assert.equal(exit.instructions, 4, text);
      assert.equal(exit.bytes, 8);
      assert.deepEqual([...exit.calls], ["_exit"]);
      assert.equal(exit.indirect, true, "exit calls the cleanup through a pointer");
    }
  });

  it("fails by name when it reads no instruction of a library function it needs", () => {
    const library = stack.disassemblyFrames(["1001d9e0 <exit>:", "1001d9e0  push  {r3, lr}   (a line it can't read)", "", "1000bfc0 <_exit>:", "1000bfc0:\tb.n\t1000bfc0 <_exit>"].join("\n"));
    const result = stack.stackDepth({ graphs: [], library, entries: { thread: ["exit"], handlers: [] } });
    assert.ok(result.errors.some((e: string) => /^exit \(library, at 0x1001d9e0\): no instruction of it was read/.test(e)), result.errors.join("\n"));
  });

  it("takes a target's list from the one it extends, its own entries added", () => {
    const file = path.join(dir, "extends.json");
    const run = (list: object, target: string) => {
      fs.writeFileSync(file, JSON.stringify(list));
      return stack.analyzeImage({ target, elf: path.join(dir, "program.elf"), ciFiles: [path.join(dir, "program.ci")], callsFile: file, exceptionFrameBytes: 32 }) as Result;
    };
    const base = run({ base: { ...pointer, ...bounded } }, "base");
    const derived = run({ base: { ...pointer }, derived: { extends: "base", ...bounded } }, "derived");
    assert.deepEqual(derived.errors, [], "the pointer from base, the recursion bound its own");
    assert.equal(derived.needed, base.needed);
    // a caller of the other target's list that this image lacks (it has only a part of that
    // program: the supervisor-secure TrustZone build's images) is no error here; one of its own is
    const otherProgram = { ...pointer, ...bounded, indirect: { ...pointer.indirect, notInThisImage: ["handler"] } };
    assert.ok(run({ base: otherProgram }, "base").errors.some((e) => /lists "notInThisImage" under "indirect", but no function of the image has that name/.test(e)));
    assert.deepEqual(run({ base: otherProgram, derived: { extends: "base" } }, "derived").errors, []);
    assert.ok(run({ base: otherProgram, derived: { extends: "base", indirect: { ownTypo: ["handler"] } } }, "derived").errors.some((e) => /lists "ownTypo" under "indirect"/.test(e)));
    assert.throws(() => run({ derived: { extends: "nowhere" } }, "derived"), /has no "nowhere" \(which "derived" extends\)/);
    assert.throws(() => run({ a: { extends: "b" }, b: { extends: "a" } }, "a"), /"a" extends itself \(a → b → a\)/);
  });

  it("counts no frame for another image's function (a secure entry function) only when listed and taken from another image", () => {
    // f calls the secure image's sf_secure_random through its veneer; the symbol is absolute
    const library = stack.disassemblyFrames(["10001000 <f>:", "10001000:\tpush\t{r4, lr}", "10001002:\tbl\t10001010 <g>", "10001006:\tpop\t{r4, pc}", "10001010 <g>:", "10001010:\tbx\tlr"].join("\n"));
    const graphs = [stack.parseCallGraph(['node: { title: "main" label: "main\\nmain.c:1:5\\n16 bytes (static)" }', 'node: { title: "sf_secure_random" label: "sf_secure_random\\nsecureEntry.h:1:5" }', 'node: { title: "f" label: "f" }', 'edge: { sourcename: "main" targetname: "sf_secure_random" }', 'edge: { sourcename: "main" targetname: "f" }'].join("\n"))];
    const listed = { otherStack: [{ functions: ["sf_secure_random"], why: "" }] };
    const entries = { thread: ["main"], handlers: [] };
    const external = new Set(["sf_secure_random"]);
    const ok = stack.stackDepth({ graphs, library, external, entries, calls: listed });
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.thread.bytes, 16 + 8, "main and f (push of two registers): the secure call adds nothing");
    const unlisted = stack.stackDepth({ graphs, library, external, entries });
    assert.ok(unlisted.errors.some((e: string) => /^main \(main\.c\) calls sf_secure_random, which is in no call graph and not in the image/.test(e)), unlisted.errors.join("\n"));
    const own = stack.stackDepth({ graphs, library, external, entries, calls: { otherStack: [{ functions: ["sf_secure_random", "f"], why: "" }] } });
    assert.ok(own.errors.some((e: string) => /lists "f" under "otherStack", but the image doesn't take it from another image/.test(e)), own.errors.join("\n"));
  });

  describe("a TrustZone secure image (test/fixtures/stackDepth/secure.c)", () => {
    const pointed = { pointers: { operation: { targets: ["pointed"], why: "secure.c's operation" }, nonSecure: { targets: ["__gnu_cmse_nonsecure_call"], why: "secure.c's reset" } }, indirect: { entryPointer: ["operation"], Reset_Handler: ["nonSecure"] } };
    const analyzeSecure = (calls: object) => analyze(calls, "secure.elf", "secure.ci");

    it("finds the entry functions in the image and counts the deepest under the call into the non-secure world, on the frames that stay", () => {
      const result = analyzeSecure(pointed);
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.secureEntries.map((e) => e.entry).sort(), ["entryDeep", "entryPointer", "entrySmall"], "the image's __acle_se_ symbols");
      const names = result.thread.path.map((s) => s.name);
      assert.deepEqual(names.slice(0, 5), ["Reset_Handler", "__gnu_cmse_nonsecure_call", "[the non-secure world, BLXNS's return address and xPSR]", "entryDeep", "deepHelper"], names.join(" → "));
      assert.equal(result.thread.path[0].bytes, secureFrames.get("Reset_Handler"));
      assert.equal(result.thread.path[2].bytes, 8, "BLXNS pushes the return address and the partial xPSR");
      assert.equal(result.thread.path[3].bytes, secureFrames.get("entryDeep"), "the entry's own code (__acle_se_entryDeep), not its veneer");
      assert.ok(result.thread.path[1].bytes > 0, "libgcc's register-clearing call keeps a frame while the non-secure side runs");
      assert.ok(!names.includes("setUp"), "the set-up returned before the non-secure call: its frame is not under the entry's");
      assert.equal(result.thread.bytes, sum(result.thread.path));
      assert.ok(result.thread.bytes > secureFrames.get("Reset_Handler")! + secureFrames.get("setUp")!, "the path through the non-secure call is the deeper one");
      const deep = result.secureEntries.find((e) => e.entry === "entryDeep")!;
      assert.equal(deep.bytes, sum(result.thread.path.slice(3)), "an entry's own figure is its part of the thread's path");
      const byPointer = result.secureEntries.find((e) => e.entry === "entryPointer")!;
      assert.deepEqual(byPointer.path.map((s) => s.name), ["entryPointer", "pointed"], "through the listed pointer");
    });

    it("follows a naked handler's branch in assembly, which the compiler's graph doesn't know", () => {
      const result = analyzeSecure(pointed);
      assert.deepEqual(result.handler.path.map((s) => s.name), ["faultHandler", "report"]);
      assert.equal(result.handler.bytes, secureFrames.get("report")! + 32);
    });

    it("with a fault reserve and no other interrupt: above the limit only a fault's frame", () => {
      const result = analyze(pointed, "secure.elf", "secure.ci", 256);
      assert.deepEqual(result.fault?.path.map((s) => s.name), ["faultHandler", "report"]);
      assert.equal(result.fault.bytes, secureFrames.get("report"));
      assert.equal(result.handler.entry, undefined, "every vector is the fault handler");
      assert.equal(result.needed, result.thread.bytes + 32 + 256);
    });

    it("fails by name on an entry function's pointer call the list doesn't cover", () => {
      const unlisted = analyzeSecure({ pointers: pointed.pointers, indirect: { Reset_Handler: ["nonSecure"] } });
      assert.ok(unlisted.errors.some((e) => /^entryPointer \(secure\.c\) calls through a function pointer: say which kinds of pointer in stackCalls\.json's "indirect" under "entryPointer"/.test(e)), unlisted.errors.join("\n"));
    });
  });

  it("reads a library function's frame from its pushes and stack adjustments", () => {
    const functions = stack.disassemblyFrames(
      ["00001000 <f>:", "    1000:\tpush\t{r4, r5, r6, r7, lr}", "    1002:\tsub\tsp, #20", "    1004:\tbl\t2000 <g>", "    1008:\tb.n\t1004 <f+0x4>", "    100a:\tb.w\t3000 <h>", "", "00002000 <g>:", "    2000:\tvpush\t{d8-d9}", "    2004:\tblx\tr3", "00003000 <h>:", "    3000:\tbx\tlr"].join("\n"),
    );
    const f = functions.get("f")!;
    assert.equal(f.bytes, 5 * 4 + 20);
    assert.deepEqual([...f.calls].sort(), ["g", "h"], "bl and a tail branch to another function; a branch inside f is no call");
    assert.equal(functions.get("g")!.bytes, 16);
    assert.equal(functions.get("g")!.indirect, true, "blx through a register is a pointer call");
    assert.equal(functions.get("h")!.indirect, false, "bx lr is a return");
  });
});
