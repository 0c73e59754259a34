import type { Microvium } from "microvium";
import type { SourceLocation } from "./errors";

/** Remembers where feature code last threw in the compile-time VM, so a value App (or the
 * module's code) throws at build time is reported at its line: by the time Microvium hands the
 * value to the host its frames are unwound. Each `throw` is located at the innermost feature
 * frame (`locate`): the throw itself, or the feature line whose standard-library call threw. A
 * throw with no feature frame (the runtime library rethrowing what an async App threw) keeps the
 * place the value was first thrown. Microvium 8's interpreter calls the VM's
 * `this.operationThrow()` for each (lib/virtual-machine.js `dispatchOperation`), as
 * featureAwaits.ts watches `operationAwait`. */
export function watchFeatureThrows(vm: Microvium, locate: () => SourceLocation | undefined): () => SourceLocation | undefined {
  const inner = (vm as any).vm;
  const operationThrow = inner?.operationThrow;
  if (typeof operationThrow !== "function") {
    throw new Error("internal: this microvium version's throw is not where snapfleet watches it (core/compiler/featureThrows.ts)");
  }
  let last: SourceLocation | undefined;
  inner.operationThrow = function (this: any) {
    last = locate() ?? last;
    return operationThrow.call(this);
  };
  return () => last;
}
