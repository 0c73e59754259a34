import type { SnapshotIL } from "microvium/dist/lib/snapshot-il";
import type * as IL from "microvium/dist/lib/il";

/** What the pruning pass needs to know about the program it prunes. */
export interface PruningOptions {
  /** Objects the feature runtime made (api, api.mcu, channels, pins, secrets). Feature code
   * reaches their members by the names it writes, never by computed keys, so a member that no
   * reachable code names is left out whatever else the program does (README "What goes into a
   * snapshot"). */
  apiObjects: ReadonlySet<IL.AllocationID>;
  /** Files whose computed reads only index arrays (the runtime) or values being sent; their
   * `o[k]` and key listing don't make the user's objects unprunable. */
  trustedFiles: ReadonlySet<string>;
  /** Drop no member, only what nothing reaches: the baseline the bench compares against. */
  keepAllMembers?: boolean;
}

/** Summary of one pruning run, for tests and the bench. */
export interface PruningReport {
  /** `allocationId.key` of every member left out. */
  removedMembers: string[];
  /** Whether members of the feature's own objects could be pruned: false when reachable feature
   * code reads members by computed keys or lists keys. */
  prunedUserObjects: boolean;
}

/** Leaves out of a snapshot the object members that no code in it can read.
 *
 * Microvium keeps everything reachable, and an object keeps all its members. A device callback
 * that calls `api.log(...)` keeps `api`, so `api.mcu` and every declaration function with their
 * names stay in the device snapshot, though no device code can name them. This pass follows
 * members only when some reachable function reads that member's name (`o.name`, which Microvium
 * compiles to `Literal("name"); ObjectGet`), repeating until nothing new becomes reachable, then
 * drops the rest and everything only they kept alive (functions, strings, global slots).
 *
 * Member kinds it may drop:
 * - any member of an API object (see PruningOptions.apiObjects);
 * - function-valued members of the feature's own objects, unless reachable untrusted code reads
 *   members by a computed key or lists keys (a dispatch table `handlers[command]()` must keep
 *   every handler). Data members are never dropped: a value sent over a channel must arrive
 *   whole. A function member can't be sent, so dropping one never changes sent data.
 * When computed reads are about, every string the snapshot holds also counts as a read name, so
 * `api[m]` with `m = "log"` keeps api.log; an API member named by a string computed at run time
 * (`"pushMessage" + suffix`) is the one case left unsupported (README "What feature code may use").
 *
 * Written here because no library prunes Microvium's snapshot IL; Microvium offers the
 * `optimizationHook` for exactly this. */
export function pruneSnapshot(il: SnapshotIL, options: PruningOptions): { il: SnapshotIL; report: PruningReport } {
  const optimistic = analyse(il, options, true);
  const result = optimistic.untrustedDynamicReads ? analyse(il, options, false) : optimistic;
  return { il: rebuild(il, result), report: { removedMembers: result.removedMembers, prunedUserObjects: !optimistic.untrustedDynamicReads } };
}

interface Analysis {
  functions: Set<IL.FunctionID>;
  allocations: Set<IL.AllocationID>;
  globals: Set<string>;
  /** Per reachable object: the member names kept. */
  keptMembers: Map<IL.AllocationID, Set<string>>;
  removedMembers: string[];
  builtins: Set<keyof SnapshotIL["builtins"]>;
  untrustedDynamicReads: boolean;
}

function analyse(il: SnapshotIL, options: PruningOptions, pruneUserObjects: boolean): Analysis {
  const a: Analysis = {
    functions: new Set(),
    allocations: new Set(),
    globals: new Set(),
    keptMembers: new Map(),
    removedMembers: [],
    builtins: new Set(),
    untrustedDynamicReads: false,
  };
  const readNames = new Set<string>();
  // Members not followed yet, by name: followed as soon as some reachable code reads the name.
  const waiting = new Map<string, Array<{ object: IL.AllocationID; value: IL.Value }>>();
  const work: IL.Value[] = [];
  const trustedFunctions = arrayMethodFunctions(il);

  const prunable = (id: IL.AllocationID, value: IL.Value) =>
    !options.keepAllMembers && (options.apiObjects.has(id) || (pruneUserObjects && isFunctionValue(il, value)));

  const readName = (name: string) => {
    // Stryker disable next-line ConditionalExpression: equivalent, a name read again finds no waiting members (it only saves work).
    if (readNames.has(name)) return;
    readNames.add(name);
    for (const member of waiting.get(name) ?? []) {
      a.keptMembers.get(member.object)!.add(name);
      work.push(member.value);
    }
    waiting.delete(name);
  };

  const visitFunction = (fn: IL.Function) => {
    // Microvium's own builtins (no file) are trusted for what they do inside; code that calls
    // its key-listing builtin names `ownKeys`, which counts as listing keys below.
    const trusted = trustedFunctions.has(fn.id) || fn.sourceFilename === undefined || options.trustedFiles.has(fn.sourceFilename);
    for (const block of Object.values(fn.blocks)) {
      let previous: IL.Operation | undefined;
      for (const op of block.operations) {
        switch (op.opcode) {
          case "LoadGlobal":
          case "StoreGlobal": {
            const name = (op.operands[0] as IL.NameOperand).name;
            // Stryker disable next-line ConditionalExpression: equivalent, a value pushed again is already visited (it only saves work).
            if (!a.globals.has(name)) {
              a.globals.add(name);
              work.push(il.globalSlots.get(name)!.value);
            }
            break;
          }
          case "Literal":
            work.push((op.operands[0] as IL.LiteralOperand).literal);
            break;
          case "ObjectGet": {
            const key = previous?.opcode === "Literal" ? (previous.operands[0] as IL.LiteralOperand).literal : undefined;
            if (key?.type === "StringValue") {
              readName(key.value);
              if (key.value === "ownKeys" && !trusted) a.untrustedDynamicReads = true;
            } else if (key?.type === "NumberValue") {
              readName(String(key.value)); // `o[3]` reads the member "3" of an object
            } else if (!trusted) a.untrustedDynamicReads = true;
            break;
          }
          // Stryker disable next-line ConditionalExpression: unreachable today, Microvium 8 emits ObjectKeys only inside its own (trusted) Reflect.ownKeys builtin, whose callers name `ownKeys` (above); kept for a compiler that emits it in feature code.
          case "ObjectKeys":
            // Stryker disable next-line ConditionalExpression,BooleanLiteral: as above.
            if (!trusted) a.untrustedDynamicReads = true;
            break;
          case "ArrayNew":
            markBuiltin("arrayPrototype");
            break;
          case "AsyncStart":
          case "AsyncResume":
          // Stryker disable next-line ConditionalExpression: equivalent, a function with AsyncReturn also has AsyncStart.
          case "AsyncReturn":
            for (const b of ["asyncCatchBlock", "asyncContinue", "promisePrototype", "asyncHostCallback"] as const) markBuiltin(b);
            break;
        }
        previous = op;
      }
    }
  };

  const markBuiltin = (name: keyof SnapshotIL["builtins"]) => {
    // Stryker disable next-line ConditionalExpression: equivalent, a builtin pushed again is already visited (it only saves work).
    if (a.builtins.has(name)) return;
    a.builtins.add(name);
    work.push(il.builtins[name]);
  };

  const visitAllocation = (id: IL.AllocationID) => {
    const allocation = il.allocations.get(id);
    // Missing from the tables given (Microvium's collected copy drops a class instance's
    // prototype): left for Microvium's encoder to report, as it would without this pass.
    switch (allocation?.type) {
      case "ArrayAllocation":
        markBuiltin("arrayPrototype");
        work.push(...allocation.items.filter((v): v is IL.Value => v !== undefined));
        return;
      case "ClosureAllocation":
        work.push(...allocation.slots);
        return;
      case "Uint8ArrayAllocation":
        return;
      case "ObjectAllocation": {
        work.push(allocation.prototype, ...Object.values(allocation.internalSlots));
        const kept = new Set<string>();
        a.keptMembers.set(id, kept);
        for (const [name, value] of Object.entries(allocation.properties)) {
          if (!prunable(id, value) || readNames.has(name)) {
            kept.add(name);
            work.push(value);
          } else {
            const list = waiting.get(name) ?? [];
            list.push({ object: id, value });
            waiting.set(name, list);
          }
        }
        return;
      }
    }
  };

  for (const value of il.exports.values()) work.push(value);
  while (work.length) {
    const value = work.pop()!;
    // With computed reads about, any string the program holds may be a key: `api[m]` where
    // m = "log" must keep api.log. Only strings computed at run time can still miss.
    if (!pruneUserObjects && value.type === "StringValue") readName(value.value);
    if (value.type === "FunctionValue" && !a.functions.has(value.value)) {
      a.functions.add(value.value);
      visitFunction(il.functions.get(value.value)!);
    } else if (value.type === "ReferenceValue" && !a.allocations.has(value.value)) {
      a.allocations.add(value.value);
      visitAllocation(value.value);
    } else if (value.type === "ClassValue") {
      work.push(value.constructorFunc, value.staticProps);
    } else if (value.type === "ResumePoint") {
      work.push({ type: "FunctionValue", value: value.address.funcId });
    }
  }
  for (const [name, members] of waiting) {
    for (const m of members) a.removedMembers.push(`${m.object}.${name}`);
  }
  return a;
}

/** The array prototype's methods: they only read `this[i]` (core/runtime/stdlib/pieces/array). */
function arrayMethodFunctions(il: SnapshotIL): Set<IL.FunctionID> {
  const out = new Set<IL.FunctionID>();
  const proto = il.builtins.arrayPrototype;
  if (proto.type !== "ReferenceValue") return out;
  const allocation = il.allocations.get(proto.value);
  if (allocation?.type !== "ObjectAllocation") return out;
  for (const value of Object.values(allocation.properties)) {
    if (value.type === "FunctionValue") out.add(value.value);
  }
  return out;
}

function isFunctionValue(il: SnapshotIL, value: IL.Value): boolean {
  if (value.type === "FunctionValue" || value.type === "HostFunctionValue") return true;
  return value.type === "ReferenceValue" && il.allocations.get(value.value)?.type === "ClosureAllocation";
}

/** A new snapshot IL holding only what the analysis found reachable, objects without their
 * dropped members. The input is never changed (Microvium's copy is deep-frozen, the VM's own
 * tables stay the VM's): changed objects are copies. */
function rebuild(il: SnapshotIL, a: Analysis): SnapshotIL {
  const allocations = new Map<IL.AllocationID, IL.Allocation>();
  for (const id of a.allocations) {
    const allocation = il.allocations.get(id);
    if (!allocation) continue; // see visitAllocation
    const kept = a.keptMembers.get(id);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, copying an object that keeps every member gives the same object.
    if (allocation.type === "ObjectAllocation" && kept && kept.size < Object.keys(allocation.properties).length) {
      const properties: Record<string, IL.Value> = {};
      for (const [name, value] of Object.entries(allocation.properties)) if (kept.has(name)) properties[name] = value;
      allocations.set(id, { ...allocation, properties });
    } else {
      allocations.set(id, allocation);
    }
  }
  const builtins = { ...il.builtins };
  for (const name of Object.keys(builtins) as Array<keyof SnapshotIL["builtins"]>) {
    if (!a.builtins.has(name)) builtins[name] = { type: "UndefinedValue", value: undefined };
  }
  return {
    globalSlots: new Map([...il.globalSlots].filter(([name]) => a.globals.has(name))),
    functions: new Map([...il.functions].filter(([id]) => a.functions.has(id))),
    exports: il.exports,
    allocations,
    flags: il.flags,
    builtins,
  };
}
