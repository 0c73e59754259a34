import type { Microvium } from "microvium";
import type * as IL from "microvium/dist/lib/il";

/** Remembers where feature code last ran an `await` in the compile-time VM, so a build that
 * ends with App(api) still waiting can name the await it stopped at: the last one run is the
 * one App was suspended at when the job queue ran dry (an await in App itself, or the App
 * line that awaits a helper stuck inside). Microvium 8's interpreter calls the VM's
 * `this.operationAwait()` for each (lib/virtual-machine.js `dispatchOperation`, which also
 * checks the method takes no parameters), so an own one on the instance sees every await, as
 * limitBuildInstructions sees every operation. */
export function watchFeatureAwaits(vm: Microvium, featureFile: string): () => IL.OperationSourceLoc | undefined {
  const inner = (vm as any).vm;
  const operationAwait = inner?.operationAwait;
  if (typeof operationAwait !== "function") {
    throw new Error("internal: this microvium version's await is not where snapfleet watches it (core/compiler/featureAwaits.ts)");
  }
  let last: IL.OperationSourceLoc | undefined;
  inner.operationAwait = function (this: any) {
    const loc = this.frame?.filename === featureFile ? this.operationBeingExecuted?.sourceLoc : undefined;
    if (loc) last = loc;
    return operationAwait.call(this);
  };
  return () => last;
}
