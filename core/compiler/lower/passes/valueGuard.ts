import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, helperCall, isMemberWrite, isRereadable } from "../build";
import type { LoweringContext } from "../context";

const READ_VALUE = "__sf_readValue";

/** Web and server builds: every read of a property named `value` goes through the runtime's
 * __sf_readValue(x), which throws when x is a secret stub, so reading a secret where it doesn't
 * exist fails loudly instead of yielding undefined. Runs after destructuring was lowered, so
 * `const { value } = secret` is covered too. Writes stay as they are; `x.value += 1` reads
 * through the guard and writes directly. */
export function guardValueReads(ast: t.File, ctx: LoweringContext): void {
  if (!ctx.guardValueReads) return;
  traverse(ast, {
    MemberExpression(path) {
      const node = path.node;
      if (!isValueMember(node) || t.isThisExpression(node.object)) return;
      const parent = path.parent;
      if (t.isAssignmentExpression(parent) && path.key === "left") {
        if (parent.operator !== "=") compoundAssignment(path.parentPath as NodePath<t.AssignmentExpression>, ctx);
        return;
      }
      if (t.isUpdateExpression(parent)) {
        update(path.parentPath as NodePath<t.UpdateExpression>, ctx);
        return;
      }
      // Stryker disable next-line ConditionalExpression: assignments and updates are handled above; the other writes it knows (patterns, for-in/of heads) were lowered by earlier passes
      if (isMemberWrite(path)) return;
      if (t.isCallExpression(parent) && parent.callee === node) return; // a method call, not a value read
      path.replaceWith(at(helperCall(READ_VALUE, [node.object as t.Expression]), node));
    },
  });
}

function isValueMember(node: t.MemberExpression): boolean {
  return node.computed ? t.isStringLiteral(node.property, { value: "value" }) : t.isIdentifier(node.property, { name: "value" });
}

/** `o.value op= v` → `o.value = __sf_readValue(o) op v`; `f().value op= v` →
 * `(_o = f(), _o.value = __sf_readValue(_o) op v)`: Microvium evaluates the right side of a
 * member write before its object (see assignmentOrder.ts), so `(_o = f()).value = ...(_o)`
 * would read `_o` before it is set. */
function compoundAssignment(path: NodePath<t.AssignmentExpression>, ctx: LoweringContext): void {
  const node = path.node;
  const target = node.left as t.MemberExpression;
  const [first, again] = once(target.object as t.Expression, path, ctx);
  const op = node.operator.slice(0, -1) as t.BinaryExpression["operator"];
  const write = (object: t.Expression) => t.assignmentExpression("=", t.memberExpression(object, target.property, target.computed), t.binaryExpression(op, helperCall(READ_VALUE, [again]), node.right));
  path.replaceWith(at(isRereadable(first) ? write(first) : t.sequenceExpression([first, write(t.cloneNode(again))]), node));
}

/** `o.value++` → `(_o = o, _v = +__sf_readValue(_o), _o.value = _v + 1, _v)` */
function update(path: NodePath<t.UpdateExpression>, ctx: LoweringContext): void {
  const node = path.node;
  const target = node.argument as t.MemberExpression;
  const [first, again] = once(target.object as t.Expression, path, ctx);
  const old = ctx.temp(path, "v");
  const step = t.binaryExpression(node.operator === "++" ? "+" : "-", t.cloneNode(old), t.numericLiteral(1));
  const exprs: t.Expression[] = [
    t.assignmentExpression("=", t.cloneNode(old), t.unaryExpression("+", helperCall(READ_VALUE, [first]))),
    t.assignmentExpression("=", t.memberExpression(again, target.property, target.computed), step),
  ];
  if (!node.prefix) exprs.push(t.cloneNode(old));
  path.replaceWith(at(t.sequenceExpression(exprs), node));
}

function once(expr: t.Expression, path: NodePath, ctx: LoweringContext): [t.Expression, t.Expression] {
  // Stryker disable next-line ConditionalExpression: a shortcut; a temporary for a name reads the same value
  if (isRereadable(expr)) return [expr, t.cloneNode(expr)];
  const temp = ctx.temp(path);
  return [t.assignmentExpression("=", temp, expr), t.cloneNode(temp)];
}
