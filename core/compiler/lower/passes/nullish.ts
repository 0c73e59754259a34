import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, isNotNullishTest, isRereadable } from "../build";
import type { LoweringContext } from "../context";

/** `a ?? b` and the assignment operators Microvium lacks (`??=`, `||=`, `&&=`, `**=`).
 *   a ?? b     →  (_t = a) !== null && _t !== undefined ? _t : b     (b only evaluated if needed)
 *   o.p ??= v  →  (_o = o, _o.p ?? (_o.p = v))                       (o evaluated once)
 *   x **= y    →  x = x ** y */
export function lowerNullish(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    LogicalExpression(path) {
      const node = path.node;
      if (node.operator !== "??") return;
      let first: t.Expression = node.left;
      let again: t.Expression = t.cloneNode(node.left);
      if (!isRereadable(node.left)) {
        const temp = ctx.temp(path);
        first = t.assignmentExpression("=", temp, node.left);
        again = t.cloneNode(temp);
      }
      path.replaceWith(at(t.conditionalExpression(isNotNullishTest(first, again), t.cloneNode(again), node.right), node));
    },
    AssignmentExpression(path) {
      const node = path.node;
      const op = node.operator;
      if (op !== "??=" && op !== "||=" && op !== "&&=" && op !== "**=") return;
      const { prefix, read, write } = splitTarget(path, ctx);
      let expr: t.Expression;
      if (op === "**=") {
        expr = t.assignmentExpression("=", write, t.binaryExpression("**", read, node.right));
      } else {
        expr = t.logicalExpression(op.slice(0, 2) as "??" | "||" | "&&", read, t.assignmentExpression("=", write, node.right));
      }
      path.replaceWith(at(prefix.length ? t.sequenceExpression([...prefix, expr]) : expr, node));
    },
  });
}

/** For a compound assignment target: the expression that reads it and the target to write,
 * with the object and computed key evaluated once (their temps assigned in `prefix`). */
function splitTarget(path: NodePath<t.AssignmentExpression>, ctx: LoweringContext): { prefix: t.Expression[]; read: t.Expression; write: t.LVal } {
  const target = path.node.left;
  if (t.isIdentifier(target)) return { prefix: [], read: t.cloneNode(target), write: target };
  if (!t.isMemberExpression(target)) return ctx.fail(target, `unsupported target for ${path.node.operator}`, "assign to a variable or a property");
  const prefix: t.Expression[] = [];
  const stable = (expr: t.Expression): t.Expression => {
    if (isRereadable(expr)) return expr;
    const temp = ctx.temp(path);
    prefix.push(t.assignmentExpression("=", temp, expr));
    return t.cloneNode(temp);
  };
  const object = stable(target.object as t.Expression);
  const property = target.computed ? stable(target.property as t.Expression) : target.property;
  return {
    prefix,
    read: t.memberExpression(t.cloneNode(object), t.cloneNode(property), target.computed),
    write: t.memberExpression(object, property, target.computed),
  };
}
