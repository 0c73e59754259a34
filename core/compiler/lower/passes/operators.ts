import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, helperCall, isNotNullishTest, isNullishTest, isRereadable, undef } from "../build";
import type { LoweringContext } from "../context";

/** Operators Microvium rejects:
 *   x == null / x != null (also `== undefined`) → x === null || x === undefined (x evaluated once)
 *   typeof x == "s", and `==` between two literals of one type → `===` (same result)
 *   any other `==` / `!=` → LoweringError (the coercion rules aren't worth emulating)
 *   void e        → undefined (e still evaluated if it has effects)
 *   k in o        → __sf_in(k, o)
 *   o instanceof C → __sf_instanceof(o, C); `instanceof Array` → Array.isArray(o) */
export function lowerOperators(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    BinaryExpression(path) {
      const node = path.node;
      const { operator } = node;
      if (operator === "==" || operator === "!=") {
        path.replaceWith(at(looseEquality(path, ctx), node));
      } else if (operator === "in") {
        if (t.isPrivateName(node.left)) ctx.fail(node, "#name in obj is not supported in feature code", "use a normal field");
        path.replaceWith(at(helperCall("__sf_in", [node.left, node.right]), node));
      } else if (operator === "instanceof") {
        const isArrayGlobal = t.isIdentifier(node.right, { name: "Array" }) && !path.scope.hasBinding("Array", true);
        const replacement = isArrayGlobal ? t.callExpression(t.memberExpression(t.identifier("Array"), t.identifier("isArray")), [node.left as t.Expression]) : helperCall("__sf_instanceof", [node.left as t.Expression, node.right]);
        path.replaceWith(at(replacement, node));
      }
    },
    UnaryExpression(path) {
      const node = path.node;
      if (node.operator !== "void") return;
      const arg = node.argument;
      path.replaceWith(at(isRereadable(arg) ? undef() : t.sequenceExpression([arg, undef()]), node));
    },
  });
}

function looseEquality(path: NodePath<t.BinaryExpression>, ctx: LoweringContext): t.Expression {
  const node = path.node;
  const left = node.left as t.Expression;
  const right = node.right;
  const strict = node.operator === "==" ? "===" : "!==";
  // esbuild writes `undefined` as `void 0`.
  const isNullish = (e: t.Node) =>
    t.isNullLiteral(e) || (t.isIdentifier(e, { name: "undefined" }) && !path.scope.hasBinding("undefined", true)) || (t.isUnaryExpression(e, { operator: "void" }) && isRereadable(e.argument));
  const other = isNullish(right) ? left : isNullish(left) ? right : undefined;
  if (other) {
    let first = other;
    let again: t.Expression = t.cloneNode(other);
    if (!isRereadable(other)) {
      const temp = ctx.temp(path);
      first = t.assignmentExpression("=", temp, other);
      again = t.cloneNode(temp);
    }
    return node.operator === "==" ? isNullishTest(first, again) : isNotNullishTest(first, again);
  }
  const isTypeof = (e: t.Node) => t.isUnaryExpression(e, { operator: "typeof" });
  const sameTypeLiterals = t.isLiteral(left) && t.isLiteral(right) && left.type === right.type && !t.isTemplateLiteral(left);
  if ((isTypeof(left) && t.isStringLiteral(right)) || (isTypeof(right) && t.isStringLiteral(left)) || sameTypeLiterals) {
    return t.binaryExpression(strict, left, right);
  }
  return ctx.fail(node, `loose equality (${node.operator}) is not supported in feature code`, `use ${strict} (x ${node.operator} null is fine: it checks for null or undefined)`);
}
