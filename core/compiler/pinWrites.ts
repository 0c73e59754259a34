/** Where feature code writes a digital pin whose label it wrote down literally, so a write to an
 * input-only pin fails the build at the write's file:line. A write only happens in a callback,
 * after the build, so it is found by reading the code: `const relay = api.mcu.getDigitalPin("D5")`
 * (never reassigned) followed by `relay.write(...)`. A pin
 * reached any other way (a computed label, a pin passed around) is refused by the board at run
 * time instead (firmware/board.ts). */
import { parse } from "@babel/parser";
import traverse, { type NodePath } from "@babel/traverse";
import type * as t from "@babel/types";

export interface PinWrite {
  pin: string;
  /** Position in the code that was read (1-based line, 0-based column). */
  line: number;
  column: number;
}

export function findPinWrites(code: string): PinWrite[] {
  const ast = parse(code, { sourceType: "module" });
  const writes: PinWrite[] = [];
  const record = (pin: string, call: t.Node) => {
    if (call.loc) writes.push({ pin, line: call.loc.start.line, column: call.loc.start.column });
  };
  traverse(ast, {
    CallExpression(path) {
      const pin = literalDigitalPin(path.node);
      if (pin === undefined) return;
      const declarator = path.parentPath;
      if (!declarator.isVariableDeclarator() || declarator.node.init !== path.node) return;
      const id = declarator.node.id;
      if (id.type !== "Identifier") return;
      const binding = declarator.scope.getBinding(id.name);
      if (!binding?.constant) return;
      for (const reference of binding.referencePaths) {
        const call = writeCallOn(reference);
        if (call) record(pin, call);
      }
    },
  });
  traverse.cache.clear();
  return writes;
}

/** `<anything>.getDigitalPin("LABEL")` → LABEL. */
function literalDigitalPin(call: t.CallExpression): string | undefined {
  const callee = call.callee;
  if (callee.type !== "MemberExpression" || callee.computed || callee.property.type !== "Identifier" || callee.property.name !== "getDigitalPin") return undefined;
  const first = call.arguments[0];
  return first?.type === "StringLiteral" ? first.value : undefined;
}

/** `<expr>.write(...)` with `expr` the given path → the call. */
function writeCallOn(path: NodePath): t.CallExpression | undefined {
  const member = path.parentPath;
  if (!member?.isMemberExpression() || member.node.object !== path.node || member.node.computed) return undefined;
  if (member.node.property.type !== "Identifier" || member.node.property.name !== "write") return undefined;
  const call = member.parentPath;
  return call?.isCallExpression() && call.node.callee === member.node ? call.node : undefined;
}
