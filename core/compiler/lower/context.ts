import type { NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { LoweringError } from "./errors";

/** State shared by the lowering passes of one lowerForMicrovium call. */
export class LoweringContext {
  /** Member reads known not to be on a string (loop indexing the lowering itself generated),
   * so the primitive-member pass leaves them as plain, fast property reads. */
  private readonly nonStringReads = new WeakSet<t.Node>();
  private readonly temps = new Set<string>();

  constructor(readonly guardValueReads: boolean) {}

  /** Throws a LoweringError at node's position in the input. */
  fail(node: t.Node, message: string, hint: string): never {
    const start = node.loc?.start;
    throw new LoweringError(message, start?.line ?? 0, start?.column ?? 0, hint);
  }

  /** A fresh variable declared with `let` at the top of the enclosing function (or the module).
   * Lowered expressions use temporaries to evaluate a subexpression once and read it again;
   * each rewrite gets its own, so nested rewrites never share one. */
  temp(path: NodePath, hint = "t"): t.Identifier {
    const scope = path.scope.getFunctionParent() ?? path.scope.getProgramParent();
    const id = scope.generateUidIdentifier(hint);
    scope.push({ id: t.cloneNode(id), kind: "let" });
    this.temps.add(id.name);
    return id;
  }

  /** A fresh name for a temporary the caller declares itself (e.g. as a const in the same
   * declaration). */
  tempName(path: NodePath, hint = "t"): t.Identifier {
    const id = path.scope.generateUidIdentifier(hint);
    this.temps.add(id.name);
    return id;
  }

  /** Is this identifier a temporary of the lowering (assigned only where it is introduced)? */
  isTemp(id: t.Identifier): boolean {
    return this.temps.has(id.name);
  }

  markNonString<T extends t.Node>(node: T): T {
    this.nonStringReads.add(node);
    return node;
  }

  isMarkedNonString(node: t.Node): boolean {
    return this.nonStringReads.has(node);
  }
}
