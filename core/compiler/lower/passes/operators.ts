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
 *   o instanceof C → __sf_instanceof(o, C); `instanceof Array` → Array.isArray(o)
 *   a < b (and >, <=, >=) → __sf_lt(a, b) (__sf_gt, __sf_le, __sf_ge) unless one side is
 *                  provably a number: Microvium doesn't order strings, and with a number on
 *                  either side JS compares numerically anyway */
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
      } else if (operator in RELATIONAL_HELPERS) {
        if (provablyNumber(path.get("left") as NodePath<t.Expression>) || provablyNumber(path.get("right") as NodePath<t.Expression>)) return;
        path.replaceWith(at(helperCall(RELATIONAL_HELPERS[operator], [node.left as t.Expression, node.right]), node));
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
    // Stryker disable next-line ConditionalExpression: a shortcut; a temporary for a name reads the same value
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

const RELATIONAL_HELPERS: Record<string, string> = { "<": "__sf_lt", ">": "__sf_gt", "<=": "__sf_le", ">=": "__sf_ge" };
const NUMERIC_BINARY = new Set(["-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", ">>>"]);

/** Provably a number (or NaN) at run time: numeric literals, arithmetic other than `+`, unary
 * - + ~, ++/--, `x.length` (strings and arrays; an object with a non-numeric length property is
 * not worth a call on every loop test), Math.* calls, and local names only ever given such values
 * (a loop counter, `n = n + 1`). */
function provablyNumber(path: NodePath<t.Expression>, seen = new Set<string>()): boolean {
  const node = path.node;
  if (t.isNumericLiteral(node) || t.isUpdateExpression(node)) return true;
  if (t.isUnaryExpression(node)) return node.operator === "-" || node.operator === "+" || node.operator === "~";
  if (t.isBinaryExpression(node)) {
    if (node.operator === "+") return provablyNumber(path.get("left") as NodePath<t.Expression>, seen) && provablyNumber(path.get("right") as NodePath<t.Expression>, seen);
    return NUMERIC_BINARY.has(node.operator);
  }
  if (t.isMemberExpression(node) && !node.computed && t.isIdentifier(node.property, { name: "length" })) return true;
  if (t.isCallExpression(node) && t.isMemberExpression(node.callee) && t.isIdentifier(node.callee.object, { name: "Math" }) && !path.scope.hasBinding("Math", true)) return true;
  if (t.isAssignmentExpression(node)) {
    const left = path.get("left") as NodePath<t.Expression>;
    return assignsNumber(path as NodePath<t.AssignmentExpression>, seen) && (node.operator !== "+=" || provablyNumber(left, seen));
  }
  if (!t.isIdentifier(node)) return false;
  // A name being proven is assumed a number while its assignments are checked: its initial
  // value is (checked first), and each assignment keeps it one if the others do.
  if (seen.has(node.name)) return true;
  const binding = path.scope.getBinding(node.name);
  if (!binding || !binding.path.isVariableDeclarator()) return false;
  seen.add(node.name);
  const init = binding.path.get("init") as NodePath<t.Expression | null | undefined>;
  if (!init.node || !provablyNumber(init as NodePath<t.Expression>, seen)) return false;
  return binding.constantViolations.every((v) => v.isUpdateExpression() || (v.isAssignmentExpression() && assignsNumber(v, seen)));
}

/** `x = n`, `x += n` with n a number (x is one where this is asked), `x -= ...`, `x *= ...`. */
function assignsNumber(path: NodePath<t.AssignmentExpression>, seen: Set<string>): boolean {
  const op = path.node.operator;
  if (op === "=" || op === "+=") return provablyNumber(path.get("right") as NodePath<t.Expression>, seen);
  return NUMERIC_BINARY.has(op.slice(0, -1));
}
