// Worst-case stack depth of a Cortex-M image, from the compiler's own figures: every unit is
// compiled with `-fstack-usage -fcallgraph-info=su` (gcc 10+), which writes per unit a VCG graph
// (`.ci`): each function with its frame in bytes (static, dynamic or dynamic,bounded) and the
// calls it makes after optimisation (inlined calls are gone; gcc's library calls such as
// __aeabi_ddiv are there). Functions without a graph (newlib, libm, libgcc: prebuilt) are read
// from the linked image's disassembly: their pushes and `sub sp` give the frame, their `bl` and
// tail `b` the calls. A function with a graph gets from its disassembly the calls the compiler
// didn't see: a branch in inline assembly (a naked fault handler's), gcc's own helpers (the
// M0+'s switch tables), a secure image's BLXNS.
//
// The walk starts at every entry: the reset handler and each handler of the vector table (read
// from the image, so a new handler can't be missed). What the graph can't know comes from an
// explicit list (stackCalls.json next to the sources): the possible targets of each function-
// pointer call, a bound for each recursion, and the functions of another image that run on
// their own stack (a TrustZone secure image's entry functions). A pointer call or a recursion
// that the list doesn't cover fails the analysis by name: a guess would make the figure worthless.
//
// The result: the deepest path of the thread (Reset_Handler and everything under it) plus the
// deepest handler with the frame the core stacks on exception entry, as interrupts land on the
// same stack (one handler at a time: they share one priority here). An image with a stack limit
// (the M33's MSPLIM) keeps a fault reserve under it: its fault handler (the HardFault vector's)
// lowers the limit and runs there, so only the frame of a fault is above the limit, and the
// handler's own path must fit the reserve. Then the need is the thread, the deepest other
// interrupt (or a fault's frame) and the reserve.
//
// A TrustZone secure image: its entry functions (cmse_nonsecure_entry, read from the image) run
// on its stack whenever the non-secure world calls them, and that world runs from the secure
// image's BLXNS on. So each call into the non-secure world counts as calling every entry
// function, on top of the frames that stay on the stack meanwhile (the caller's and its callers',
// and what BLXNS pushes); what the caller ran before and that returned is not counted with them.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The list of pointer targets and recursion bounds, in firmware/native/. */
export const STACK_CALLS_FILE = "stackCalls.json";

/** What BLXNS pushes on the secure stack: the return address and the partial xPSR (Armv8-M
 * Architecture Reference Manual, DDI 0553, BLXNS: "FNC_RETURN" stacking). */
const BLXNS_STACKED_BYTES = 8;

/** A unit's `.ci` file: its functions ({ id, name, file, bytes, qualifier, defined }) and calls
 * ({ from, to }). A static function's id is "file:name" (as gcc titles it), a global's its name,
 * so ids join the units into one program. `__indirect_call` is a call through a pointer. */
export function parseCallGraph(text) {
  const nodes = [];
  const edges = [];
  for (const line of text.split("\n")) {
    const node = /^node: \{ title: "([^"]*)" label: "([^"]*)"/.exec(line);
    if (node) {
      const [name, where = "", frame = ""] = node[2].split("\\n");
      const size = /^(\d+) bytes \(([\w,]+)\)$/.exec(frame);
      nodes.push({ id: node[1], name, file: where.replace(/:\d+:\d+$/, ""), bytes: size ? Number(size[1]) : undefined, qualifier: size?.[2], defined: size !== null });
      continue;
    }
    const edge = /^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"/.exec(line);
    if (edge) edges.push({ from: edge[1], to: edge[2] });
  }
  return { nodes, edges };
}

/** One instruction line of `objdump -d --no-show-raw-insn`: { op, args } or undefined. objdump
 * pads the address to the width of the image's highest one and indents it only when it is
 * shorter than 8 digits: "    1a2c:\tpush\t{r4, lr}" at 0x0000_xxxx (the M0+), but
 * "1001d9e0:\tpush\t{r3, lr}" at 0x1000_0000 (the M33), so the indent is optional. Data in the
 * code (`.word`) is no instruction. */
export function instructionLine(line) {
  const insn = /^\s*[0-9a-f]+:\s+([a-z][\w.]*)\s*(.*)$/.exec(line);
  return insn ? { op: insn[1], args: insn[2] } : undefined;
}

/** The functions of a linked image's disassembly (`objdump -d --no-show-raw-insn`), for those the
 * compiler gave no graph: { bytes (every push, vpush and `sub sp, #n` of the body: an upper
 * bound), calls (bl and tail b to another function), indirect (blx/bx through a register other
 * than lr), nonSecureCall (BLXNS: a TrustZone secure image calling the non-secure world),
 * dynamic (sp lowered by a register), instructions (how many lines were read: none means the
 * reader missed the function, and stackDepth fails rather than count a 0 frame), duplicate
 * (another function of the image has the same name: two static functions) }. */
export function disassemblyFrames(text) {
  const functions = new Map();
  let current;
  for (const line of text.split("\n")) {
    const head = /^([0-9a-f]+) <([^>]+)>:$/.exec(line);
    if (head) {
      current = { name: head[2], address: parseInt(head[1], 16), bytes: 0, calls: new Set(), tailCalls: new Set(), indirect: false, nonSecureCall: false, dynamic: false, instructions: 0, duplicate: false };
      if (functions.has(current.name)) current.duplicate = functions.get(current.name).duplicate = true;
      functions.set(current.name, current);
      continue;
    }
    const insn = instructionLine(line);
    if (!insn || !current) continue;
    current.instructions++;
    const { op, args: rawArgs } = insn;
    const args = rawArgs.replace(/\s*[@;].*$/, "");
    const base = op.replace(/\.(w|n)$/, "");
    if (base === "push" || (base === "stmdb" && /^sp!/.test(args))) current.bytes += 4 * registerCount(args);
    else if (base === "vpush") current.bytes += registerCount(args) * (/\{d/.test(args) ? 8 : 4);
    else if (base === "str" && /^lr, \[sp, #-4\]!/.test(args)) current.bytes += 4;
    else if (base === "sub" || base === "subw") {
      const sub = /^sp, (?:sp, )?#(\d+)/.exec(args);
      if (sub) current.bytes += Number(sub[1]);
      else if (/^sp, (?:sp, )?r\d+/.test(args)) current.dynamic = true;
    } else if (base === "bl") {
      const target = /<([^>+]+)>/.exec(args);
      if (target) current.calls.add(target[1]);
    } else if (/^b(eq|ne|cs|cc|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?$/.test(base)) {
      const target = /<([^>+]+)>/.exec(args); // `<name>` without an offset: another function (a tail call)
      if (target && target[1] !== current.name) current.tailCalls.add(target[1]);
    } else if ((base === "blx" || base === "bx") && /^r\d+|^ip|^fp|^sl/.test(args)) current.indirect = true;
    else if (base === "blxns") current.nonSecureCall = true;
  }
  // A branch lands on a function's first instruction only as a tail call; objdump also names
  // other addresses after a linker symbol that happens to have that value (__slot_size).
  for (const f of functions.values()) for (const name of f.tailCalls) if (functions.has(name)) f.calls.add(name);
  return functions;
}

function registerCount(list) {
  const inside = /\{([^}]*)\}/.exec(list)?.[1] ?? "";
  let count = 0;
  for (const part of inside.split(",").map((s) => s.trim()).filter(Boolean)) {
    const range = /^[rds](\d+)-[rds](\d+)$/.exec(part);
    count += range ? Number(range[2]) - Number(range[1]) + 1 : 1;
  }
  return count;
}

/** The function symbols of `objdump -t`: [name, address (the Thumb bit cleared), section]. */
function functionSymbols(symbolTable) {
  const out = [];
  for (const line of symbolTable.split("\n")) {
    // "00002000 g     F .text\t00000024 Reset_Handler": address, 7 flag columns, section, size, name
    const m = /^([0-9a-f]+) (.{7}) (\S+)\t([0-9a-f]+)\s+(?:\.hidden\s+)?(\S+)$/.exec(line);
    if (m && m[2].includes("F")) out.push([m[5], parseInt(m[1], 16) & ~1, m[3]]);
  }
  return out;
}

/** The vector table's HardFault entry (after the initial stack pointer, reset and NMI). */
const HARD_FAULT_VECTOR = 3;

/** The handlers of the vector table (symbol `vectorSymbol`, a `.vectors` array: the initial stack
 * pointer, then one address per exception), from `objdump -t` and `objdump -s` of the image;
 * `hardFault`: the HardFault's handler. */
export function vectorHandlers(symbolTable, sectionDump, vectorSymbol = "VECTORS") {
  const byAddress = new Map(functionSymbols(symbolTable).map(([name, address]) => [address, name]));
  const table = symbolTable.split("\n").map((line) => /^([0-9a-f]+) .{7} \S+\t([0-9a-f]+)\s+(?:\.hidden\s+)?(\S+)$/.exec(line)).find((m) => m?.[3] === vectorSymbol);
  if (!table) throw new Error(`the image has no ${vectorSymbol} symbol (the vector table of the port's startup.c): the stack analysis takes its entries from it`);
  const words = [];
  const start = table && parseInt(table[1], 16), size = table && parseInt(table[2], 16);
  for (const line of sectionDump.split("\n")) {
    const row = /^ ([0-9a-f]+) ((?:[0-9a-f]{2,8} ?){1,4})/.exec(line);
    if (!row) continue;
    let address = parseInt(row[1], 16);
    for (const word of row[2].trim().split(" ")) {
      if (address >= start && address < start + size && word.length === 8) words.push(parseInt(word.match(/../g).reverse().join(""), 16));
      address += word.length / 2;
    }
  }
  const handlers = [];
  let hardFault;
  words.slice(1).forEach((word, i) => {
    if (word === 0) return;
    const name = byAddress.get(word & ~1);
    if (!name) throw new Error(`vector ${i + 1} of ${vectorSymbol} (0x${word.toString(16)}) is no function of the image`);
    if (!handlers.includes(name)) handlers.push(name);
    if (i + 1 === HARD_FAULT_VECTOR) hardFault = name;
  });
  return Object.assign(handlers, { hardFault });
}

/**
 * The deepest path from each entry.
 * - graphs: parsed `.ci` files; library: disassemblyFrames of the image (for functions without one)
 * - entries: { thread: [names], handlers: [names] }; exceptionFrameBytes: what the core pushes on
 *   exception entry (8 words; 26 with the FPU's lazily stacked registers)
 * - calls: the target's part of stackCalls.json: { pointers: { kind: { targets, why } },
 *   indirect: { caller: [kinds] }, recursion: [{ functions, depth, why }], otherStack: [{ functions, why }] }
 * - external: the functions the image takes from another image (absolute symbols: a TrustZone
 *   secure image's entry functions, from its import library)
 * - entries.secure: a TrustZone secure image's entry functions (cmse_nonsecure_entry): the
 *   non-secure world may call each of them whenever it runs
 * - entries.fault and faultReserveBytes: an image with a stack limit; its fault handler (one of
 *   entries.handlers) runs in the reserve under the limit
 * Returns { needed, thread, handler (the deepest of each: { entry, bytes, path: [{ name, bytes }] }),
 * fault (with a reserve: the fault handler's path, and reserve: faultReserveBytes),
 * secureEntries (each entry function's own deepest path), errors: [text] }.
 */
export function stackDepth({ graphs, library = new Map(), external = new Set(), entries, exceptionFrameBytes = 32, calls = {}, faultReserveBytes }) {
  const secureEntries = entries.secure ?? [];
  const errors = [];
  const fn = new Map(); // id → { id, name, file, bytes, callees: Set<id>, indirect }
  const byName = new Map(); // name and "file:name" → [ids]
  const alias = (key, id) => byName.set(key, [...new Set([...(byName.get(key) ?? []), id])]);
  for (const graph of graphs) {
    for (const n of graph.nodes) {
      if (!n.defined) continue;
      if (n.qualifier === "dynamic") errors.push(`${n.name} (${path.basename(n.file)}) has a frame of unbounded size (a variable-length array or alloca): give it a fixed size`);
      fn.set(n.id, { id: n.id, name: n.name, file: n.file, bytes: n.bytes, callees: new Set(), indirect: false });
      alias(n.name, n.id);
      alias(`${path.basename(n.file)}:${n.name}`, n.id);
    }
  }
  for (const graph of graphs) {
    for (const e of graph.edges) {
      const from = fn.get(e.from);
      if (!from) continue;
      if (e.to === "__indirect_call") from.indirect = true;
      else from.callees.add(e.to);
    }
  }
  // What the compiler's graph can't know, read from the function's code in the image: a branch
  // written in assembly (the naked fault handlers' `b reportFault`) and a call into the
  // non-secure world. Matched by symbol (a node's id without its "file:": gcc labels a clone
  // "load.constprop", its id and symbol are "load.constprop.0"), and only for a symbol that is
  // one function in both, so no other function's calls are added.
  const symbolOf = (id) => id.slice(id.lastIndexOf(":") + 1);
  const bySymbol = new Map();
  for (const f of fn.values()) bySymbol.set(symbolOf(f.id), [...(bySymbol.get(symbolOf(f.id)) ?? []), f]);
  for (const f of fn.values()) {
    const code = library.get(symbolOf(f.id));
    if (!code || code.duplicate || bySymbol.get(symbolOf(f.id)).length !== 1) continue;
    // the graph's callees, by symbol and by address (objdump may name a call after another symbol
    // of the same code: sniprintf for snprintf, __adddf3 for __aeabi_dadd)
    const known = new Set([...f.callees].map(symbolOf));
    const knownCode = new Set([...known].map((name) => library.get(name)?.address).filter((a) => a !== undefined));
    for (const name of code.calls) {
      if (known.has(name) || knownCode.has(library.get(name)?.address)) continue;
      const defined = bySymbol.get(name) ?? [];
      const callee = defined.find((g) => g.file === f.file) ?? (defined.length === 1 ? defined[0] : undefined);
      f.callees.add(callee?.id ?? name);
    }
    f.nonSecureCall = code.nonSecureCall;
  }

  // Library functions (no graph): from the image, when something calls them.
  const fromLibrary = (name) => {
    const f = library.get(name);
    if (!f) return undefined;
    const entry = { id: name, name, file: "library", bytes: f.bytes, callees: new Set(f.calls), indirect: f.indirect, nonSecureCall: f.nonSecureCall };
    // Its frame, calls and pointer calls come from its instructions: none read is the reader
    // failing on objdump's lines, not an empty function, and would count as a 0-byte leaf.
    if (!f.instructions) errors.push(`${name} (library, at 0x${f.address.toString(16)}): no instruction of it was read from the image's disassembly, so its frame and calls are unknown: disassemblyFrames in scripts/stackDepth.mjs doesn't understand these objdump lines (run arm-none-eabi-objdump -d --no-show-raw-insn on the image and fix instructionLine)`);
    if (f.dynamic) errors.push(`${name} (library) lowers the stack pointer by a register: its frame has no bound`);
    fn.set(name, entry);
    return entry;
  };
  // A function of another image that runs on its own stack (the secure image's entry functions,
  // which the non-secure image reaches through veneers): a call costs this stack nothing. Only
  // for a name the image takes from another image, so a function of its own can't be listed.
  const otherStack = new Set((calls.otherStack ?? []).flatMap((group) => group.functions));
  for (const name of otherStack) if (!external.has(name)) errors.push(`stackCalls.json lists "${name}" under "otherStack", but the image doesn't take it from another image (no absolute symbol of that name, as a secure image's import library gives): its frames are on this stack, remove it from the list`);
  const fromOtherStack = (name) => {
    if (!otherStack.has(name) || !external.has(name)) return undefined;
    const entry = { id: name, name, file: "other image", bytes: 0, callees: new Set(), indirect: false };
    fn.set(name, entry);
    return entry;
  };
  const resolve = (name, from) => {
    const ids = byName.get(name) ?? (fn.has(name) ? [name] : []);
    if (ids.length === 1) return fn.get(ids[0]);
    if (ids.length > 1) {
      errors.push(`"${name}"${from ? ` (a target listed for ${from})` : ""} names ${ids.length} functions (${ids.join(", ")}): write it as file.c:${name}`);
      return undefined;
    }
    return fromLibrary(name) ?? fromOtherStack(name);
  };
  // A secure image's call into the non-secure world (BLXNS, in libgcc's __gnu_cmse_nonsecure_call):
  // the non-secure program runs until it returns, and may call any entry function meanwhile. The
  // entry runs on this stack, on top of the caller's frames (they stay while the non-secure side
  // runs; what the caller called before and that returned does not) and of what BLXNS pushes.
  const nonSecureWorld = { id: "[non-secure world]", name: "[the non-secure world, BLXNS's return address and xPSR]", file: "", bytes: BLXNS_STACKED_BYTES, callees: new Set(secureEntries), indirect: false };
  fn.set(nonSecureWorld.id, nonSecureWorld);
  const indirectList = calls.indirect ?? {};
  const pointers = calls.pointers ?? {};
  const used = new Set();
  const calleesOf = (f) => {
    if (f.resolved) return f.resolved;
    const out = [];
    for (const id of f.callees) {
      const g = fn.get(id) ?? resolve(id);
      if (g) out.push(g);
      else errors.push(`${f.name} (${path.basename(f.file)}) calls ${id}, which is in no call graph and not in the image`);
    }
    if (f.nonSecureCall) out.push(nonSecureWorld);
    if (f.indirect) {
      const key = [`${path.basename(f.file)}:${f.name}`, f.name].find((k) => indirectList[k]);
      if (!key) errors.push(`${f.name} (${path.basename(f.file)}) calls through a function pointer: say which kinds of pointer in stackCalls.json's "indirect" under "${f.name}"`);
      else {
        used.add(key);
        for (const kind of indirectList[key]) {
          const pointer = pointers[kind];
          if (!pointer) {
            errors.push(`stackCalls.json: "${key}" calls through "${kind}", which is not under "pointers"`);
            continue;
          }
          for (const target of pointer.targets) {
            const g = resolve(target, kind);
            if (g) out.push(g);
            else if (!(byName.get(target)?.length > 1)) errors.push(`stackCalls.json: "${target}", a target of the pointer "${kind}", is no function of the image`);
          }
        }
      }
    }
    f.resolved = [...new Set(out)];
    return f.resolved;
  };

  // Recursion: the strongly connected components of the reachable graph (Tarjan); each with more
  // than one function, or one calling itself, needs a bound from the list.
  const roots = [...entries.thread, ...secureEntries, ...entries.handlers].map((name) => {
    const f = resolve(name);
    if (!f) errors.push(`entry ${name} is no function of the image`);
    return f;
  }).filter(Boolean);
  const component = new Map();
  const index = new Map(), low = new Map(), stack = [], onStack = new Set();
  let counter = 0;
  const components = [];
  const strongConnect = (root) => {
    // iterative, so a deep program can't overflow this script's own stack
    const work = [{ f: root, i: 0 }];
    index.set(root, counter), low.set(root, counter++), stack.push(root), onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1];
      const next = calleesOf(top.f)[top.i++];
      if (next) {
        if (!index.has(next)) {
          index.set(next, counter), low.set(next, counter++), stack.push(next), onStack.add(next);
          work.push({ f: next, i: 0 });
        } else if (onStack.has(next)) low.set(top.f, Math.min(low.get(top.f), index.get(next)));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].f, Math.min(low.get(work[work.length - 1].f), low.get(top.f)));
      if (low.get(top.f) === index.get(top.f)) {
        const members = [];
        let g;
        do {
          g = stack.pop();
          onStack.delete(g);
          members.push(g);
        } while (g !== top.f);
        const c = { members, recursive: members.length > 1 || calleesOf(members[0]).includes(members[0]) };
        for (const m of members) component.set(m, c);
        components.push(c);
      }
    }
  };
  for (const r of roots) if (!index.has(r)) strongConnect(r);

  const bounds = calls.recursion ?? [];
  for (const c of components.filter((c) => c.recursive)) {
    const names = c.members.map((m) => m.name);
    const bound = bounds.find((b) => c.members.every((m) => b.functions.includes(m.name) || b.functions.includes(`${path.basename(m.file)}:${m.name}`)));
    const cycle = names.slice().reverse().join(" → ");
    if (!bound) errors.push(`recursion ${cycle} → ${names[names.length - 1]} has no bound: add it to stackCalls.json's "recursion" with the depth it can reach and why`);
    else c.bound = bound;
  }

  // Deepest path: a component's cost is its own frames (a recursion: every member's frame as
  // many times as its bound, an upper bound) plus the deepest callee outside it.
  const memo = new Map();
  const deepest = (c) => {
    if (memo.has(c)) return memo.get(c);
    const own = c.recursive ? (c.bound?.depth ?? 1) * c.members.reduce((s, m) => s + m.bytes, 0) : c.members[0].bytes;
    let best = { bytes: 0, path: [] };
    for (const m of c.members) {
      for (const callee of calleesOf(m)) {
        const d = component.get(callee);
        if (d === c) continue;
        const r = deepest(d);
        if (r.bytes > best.bytes) best = r;
      }
    }
    const label = c.recursive ? `[recursion ${c.members.map((m) => m.name).reverse().join(" → ")} ×${c.bound?.depth ?? "?"}]` : c.members[0].name;
    const result = { bytes: own + best.bytes, path: [{ name: label, bytes: own }, ...best.path] };
    memo.set(c, result);
    return result;
  };
  const fromEntry = (name) => {
    const f = resolve(name);
    return f ? { entry: name, ...deepest(component.get(f)) } : { entry: name, bytes: 0, path: [] };
  };
  const pick = (list) => list.map(fromEntry).reduce((a, b) => (a.entry === undefined || b.bytes > a.bytes ? b : a), { entry: undefined, bytes: 0, path: [] });
  // An entry function alone counts too, should the non-secure world be started some other way than
  // by a BLXNS the analysis sees.
  const thread = pick([...entries.thread, ...secureEntries]);
  const reserved = faultReserveBytes !== undefined && entries.fault !== undefined;
  if (faultReserveBytes !== undefined && entries.fault === undefined) errors.push(`the image keeps a fault reserve under its stack limit (faultReserveBytes ${faultReserveBytes}) but its vector table has no HardFault handler to run there: set vector 3`);
  const handler = pick(reserved ? entries.handlers.filter((name) => name !== entries.fault) : entries.handlers);
  if (handler.entry) handler.bytes += exceptionFrameBytes;
  // With a reserve, the fault handler's frames are under the limit; above it only the frame the
  // core stacks for the fault, which an interrupt's frame and handler already cover.
  const fault = reserved ? { ...fromEntry(entries.fault), reserve: faultReserveBytes } : undefined;
  const aboveLimit = thread.bytes + Math.max(handler.bytes, reserved ? exceptionFrameBytes : 0);
  // A caller the image doesn't reach is fine (an image for one app leaves functions out); one
  // that no unit defines is a typo or a renamed function.
  for (const key of calls.ownCallers ?? Object.keys(indirectList)) if (!used.has(key) && !byName.has(key) && !library.has(key)) errors.push(`stackCalls.json lists "${key}" under "indirect", but no function of the image has that name: remove or rename it`);
  return { needed: aboveLimit + (fault?.reserve ?? 0), thread, handler, fault, exceptionFrameBytes, secureEntries: secureEntries.map(fromEntry), errors: [...new Set(errors)] };
}

/** "main 104 → dispatch 792 → ..." for a report. */
export const formatPath = (result) => result.path.map((p) => `${p.name} ${p.bytes.toLocaleString("en-US")}`).join(" → ");

/** Whether the list has an entry for `target` (an unreadable list counts: analyzeImage says why). */
export function hasStackCalls(callsFile, target) {
  try {
    return JSON.parse(fs.readFileSync(callsFile, "utf8"))[target] !== undefined;
  } catch {
    return true;
  }
}

/** The analysis of a linked image: `ciFiles` written by the compiler, the image for the
 * library functions and the vector table, `callsFile` the list of pointer targets and bounds. */
export function analyzeImage({ target, elf, ciFiles, callsFile, objdump = "arm-none-eabi-objdump", exceptionFrameBytes, defines = {}, faultReserveBytes, threadEntries = [] }) {
  let list;
  try {
    list = JSON.parse(fs.readFileSync(callsFile, "utf8"));
  } catch (error) {
    throw new Error(`${callsFile} can't be read as JSON (${error.message}); it lists the targets of the firmware's function-pointer calls for the stack analysis`);
  }
  let calls = targetCalls(list, target, callsFile);
  calls = { ...calls, recursion: (calls.recursion ?? []).map((b) => ({ ...b, depth: recursionDepth(b, defines, path.dirname(callsFile), callsFile) })) };
  const graphs = ciFiles.map((f) => parseCallGraph(fs.readFileSync(f, "utf8")));
  const run = (args) => execFileSync(objdump, [...args, elf], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const library = disassemblyFrames(run(["-d", "--no-show-raw-insn"]));
  const symbolTable = run(["-t"]);
  const external = new Set(functionSymbols(symbolTable).filter(([, , section]) => section === "*ABS*").map(([name]) => name));
  // The disassembly names a function once; its other names (libgcc's __aeabi_uidiv is
  // __udivsi3) point to the same code.
  const atAddress = new Map([...library.values()].map((f) => [f.address, f]));
  for (const [name, address] of functionSymbols(symbolTable)) if (!library.has(name) && atAddress.has(address)) library.set(name, atAddress.get(address));
  const vectorSection = / \S+\t[0-9a-f]+\s+VECTORS$/m.exec(symbolTable)?.[0].trim().split(/\s+/)[0] ?? ".text";
  const handlers = vectorHandlers(symbolTable, run(["-s", "-j", vectorSection]));
  const [reset, ...interrupts] = handlers;
  // A secure image's entry functions, read from the image as the handlers are (a new one can't be
  // missed): gcc labels each one's code __acle_se_NAME, and the linker gives NAME to its veneer
  // (SG, then a branch to that code; no stack), so NAME's code is the __acle_se_ one.
  const secure = functionSymbols(symbolTable).map(([name]) => /^__acle_se_(.+)$/.exec(name)?.[1]).filter(Boolean);
  for (const name of secure) if (library.has(`__acle_se_${name}`)) library.set(name, library.get(`__acle_se_${name}`));
  return stackDepth({ graphs, library, external, entries: { thread: [reset, ...threadEntries], handlers: interrupts, secure, fault: handlers.hardFault }, exceptionFrameBytes, calls, faultReserveBytes });
}

/** A target's part of the list. With "extends": another target's part plus its own (its own
 * pointer kinds and callers replace the other's of the same name, its recursions add): the
 * TrustZone build's non-secure image is the cortex-m33 program with a few port files replaced,
 * so it lists only what differs. `ownCallers`: the callers its own part names, the ones an image
 * must have (the supervisor-secure build's two images each have only a part of the program the
 * other target's list covers; that list is checked against its own image). */
function targetCalls(list, target, callsFile, from = []) {
  const own = list[target];
  if (!own) throw new Error(`${callsFile} has no "${target}"${from.length ? ` (which "${from[from.length - 1]}" extends)` : ""}: list the targets of its function-pointer calls there`);
  if (own.extends === undefined) return own;
  if (from.includes(target)) throw new Error(`${callsFile}: "${target}" extends itself (${[...from, target].join(" → ")}): one of them must list its own calls`);
  const base = targetCalls(list, own.extends, callsFile, [...from, target]);
  return {
    ownCallers: Object.keys(own.indirect ?? {}),
    pointers: { ...base.pointers, ...own.pointers },
    indirect: { ...base.indirect, ...own.indirect },
    recursion: [...(base.recursion ?? []), ...(own.recursion ?? [])],
    otherStack: [...(base.otherStack ?? []), ...(own.otherStack ?? [])],
  };
}

/** A recursion's bound: a number, or the name of the C setting that enforces it ("depth":
 * "SF_MAX_NESTING", "in": "core/file.c"), as the build sets it (-D) or the source's
 * default (#define NAME n), so the figure follows the code. */
function recursionDepth(bound, defines, sourceDir, callsFile) {
  if (Number.isInteger(bound.depth) && bound.depth > 0) return bound.depth;
  if (typeof bound.depth !== "string") throw new Error(`${callsFile}: the recursion of ${bound.functions?.join(", ")} needs a "depth": a whole number or the name of the C setting that bounds it`);
  if (defines[bound.depth] !== undefined) return Number(defines[bound.depth]);
  const file = bound.in && path.join(sourceDir, bound.in);
  const text = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const found = new RegExp(`^#define ${bound.depth} (\\d+)`, "m").exec(text);
  if (!found) throw new Error(`${callsFile}: the recursion of ${bound.functions.join(", ")} is bounded by ${bound.depth}, which ${bound.in ?? "(no \"in\" file given)"} doesn't #define to a number`);
  return Number(found[1]);
}
