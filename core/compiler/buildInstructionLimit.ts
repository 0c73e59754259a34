import type { Microvium } from "microvium";

/** Default bound on the operations the feature's module code and App(api) may run in the
 * compile-time VM of one target. That VM interprets about a million operations a second on the
 * project's machine, so a real App (declarations, a few tables) stays far below while a loop that
 * never ends stops the build after seconds instead of hanging it (and `pulumi up` with it). */
export const DEFAULT_BUILD_INSTRUCTION_LIMIT = 10_000_000;

/** Counts the operations Microvium's compile-time VM runs and calls `exceeded` (which throws)
 * once more than `limit` ran. Microvium's JS VM has no step limit of its own (the C engine's gas
 * counter is the run-time one); its interpreter loop assigns `operationBeingExecuted` once per
 * operation, so an instance accessor over the prototype's is the one place to count
 * (microvium 8.0.0, lib/virtual-machine.js `run`). A limit of 0 or Infinity counts nothing. */
export function limitBuildInstructions(vm: Microvium, limit: number, exceeded: () => never): void {
  if (!(limit > 0 && Number.isFinite(limit))) return;
  const inner = (vm as any).vm;
  const accessor = findAccessor(inner, "operationBeingExecuted");
  if (!accessor?.get || !accessor.set) {
    throw new Error("internal: this microvium version's interpreter loop is not where snapfleet counts operations (core/compiler/buildInstructionLimit.ts)");
  }
  const { get, set } = accessor;
  let count = 0;
  Object.defineProperty(inner, "operationBeingExecuted", {
    configurable: true,
    get() {
      return get.call(this);
    },
    set(operation) {
      set.call(this, operation);
      if (++count > limit) exceeded();
    },
  });
}

function findAccessor(object: object, name: string): PropertyDescriptor | undefined {
  for (let proto = Object.getPrototypeOf(object); proto; proto = Object.getPrototypeOf(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (descriptor) return descriptor;
  }
  return undefined;
}
