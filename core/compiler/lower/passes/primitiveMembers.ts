import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { INDEX_HELPER, LENGTH_HELPER, PRIMITIVE_METHODS, primitiveMethodHelper } from "../../../runtime/stdlib/primitiveMembers";
import { at, helperCall, isMemberWrite } from "../build";
import type { LoweringContext } from "../context";

/** Any property read on a string throws in Microvium, and the code can't tell strings from
 * arrays at build time, so where the object MIGHT be a string:
 *   x.length      → __sf_len(x)
 *   x[i]          → __sf_at(x, i)        (computed reads, except string literal keys)
 *   x.slice(a, b) → __sf_str_slice(x, a, b)   (every name in PRIMITIVE_METHODS)
 * The helpers ask the host for strings (numbers for toFixed/toString) and do the ordinary member
 * access otherwise. Objects provably not strings are left alone, because every helper is a call:
 * literals, `this`, `new`, functions, classes, names only ever bound to those, and the loops and
 * array patterns the lowering generated itself. x[i] also stays plain only when i is provably an
 * array index (Microvium throws for arr[-1], where JS reads undefined). */
export function lowerPrimitiveMembers(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    MemberExpression(path) {
      const node = path.node;
      if (ctx.isMarkedNonString(node) || isMemberWrite(path)) return;
      const name = memberName(node);
      const parent = path.parent;
      const isCallee = t.isCallExpression(parent) && parent.callee === node;
      if (isCallee && name !== undefined && PRIMITIVE_METHODS.has(name)) {
        if (provablyNotString(path.get("object") as NodePath<t.Expression>)) return;
        const call = parent as t.CallExpression;
        path.parentPath.replaceWith(at(t.callExpression(t.identifier(primitiveMethodHelper(name)), [node.object as t.Expression, ...call.arguments]), call));
        return;
      }
      if (isCallee) return;
      if (name === "length") {
        if (provablyNotString(path.get("object") as NodePath<t.Expression>)) return;
        path.replaceWith(at(stringAware(node, LENGTH_HELPER, [], ctx), node));
        return;
      }
      if (node.computed && !t.isStringLiteral(node.property)) {
        // Microvium also throws for negative, fractional and out-of-range array indices, so
        // only a provable array index on a provable non-string stays a plain read.
        const index = isArrayIndex(path.get("property") as NodePath<t.Expression>);
        if (index && provablyNotString(path.get("object") as NodePath<t.Expression>)) return;
        const key = node.property as t.Expression;
        path.replaceWith(at(index ? stringAware(node, INDEX_HELPER, [key], ctx) : helperCall(INDEX_HELPER, [node.object as t.Expression, key]), node));
      }
    },
  });
}

/** `x.length` → `typeof x === "string" ? __sf_len(x) : x.length` when x is a plain name: only
 * strings pay for a call (the benchmark in bench/lowering.bench.ts shows what a call costs).
 * Other objects would need a temporary, so they get the helper call. */
function stringAware(node: t.MemberExpression, helper: string, extraArgs: t.Expression[], ctx: LoweringContext): t.Expression {
  const object = node.object as t.Expression;
  if (!t.isIdentifier(object)) return helperCall(helper, [object, ...extraArgs]);
  const plain = ctx.markNonString(t.memberExpression(t.cloneNode(object), node.property, node.computed));
  const isString = t.binaryExpression("===", t.unaryExpression("typeof", t.cloneNode(object)), t.stringLiteral("string"));
  return t.conditionalExpression(isString, helperCall(helper, [t.cloneNode(object), ...extraArgs.map((a) => t.cloneNode(a))]), plain);
}

/** The member's name when it is known at build time. */
function memberName(node: t.MemberExpression): string | undefined {
  if (!node.computed && t.isIdentifier(node.property)) return node.property.name;
  if (t.isStringLiteral(node.property)) return node.property.value;
  if (t.isNumericLiteral(node.property)) return String(node.property.value);
  return undefined;
}

/** Provably a non-negative integer: a literal, a counter (`let i = <n ≥ 0>`, changed only by
 * i++ / ++i / i += <n ≥ 0>: a counting loop's index), `index % <n > 0>` or `index + index`.
 * (Past the end of an array is fine: that reads undefined in Microvium too.) */
function isArrayIndex(path: NodePath<t.Expression>): boolean {
  const node = path.node;
  const isIndexLiteral = (n: t.Node | null | undefined) =>
    t.isNumericLiteral(n) &&
    Number.isInteger(n.value) &&
    // Stryker disable next-line ConditionalExpression: a numeric literal is never negative (-1 is a unary minus); a guard for generated nodes
    n.value >= 0;
  if (isIndexLiteral(node)) return true;
  if (t.isBinaryExpression(node)) {
    const left = path.get("left") as NodePath<t.Expression>;
    const right = path.get("right") as NodePath<t.Expression>;
    if (node.operator === "%") return isArrayIndex(left) && isIndexLiteral(node.right) && (node.right as t.NumericLiteral).value > 0;
    if (node.operator === "+") return isArrayIndex(left) && isArrayIndex(right);
    return false;
  }
  if (!t.isIdentifier(node)) return false;
  const binding = path.scope.getBinding(node.name);
  if (!binding || !binding.path.isVariableDeclarator() || !isIndexLiteral(binding.path.node.init)) return false;
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: false (and return true) admits a const (always its literal) or a var (hoistVars left none with a value): indices too
  if (binding.kind !== "let") return false;
  return binding.constantViolations.every(
    (v) => (v.isUpdateExpression() && v.node.operator === "++") || (v.isAssignmentExpression() && v.node.operator === "+=" && isIndexLiteral(v.node.right)),
  );
}

const NOT_STRING_GLOBALS = new Set(["Math", "JSON", "Object", "Array", "Reflect", "Number", "Promise"]);
const ARRAY_HELPERS = new Set(["__sf_spread", "__sf_arrayFrom", "__sf_keys", "__sf_objectRest", "__sf_assign", "__sf_str_split"]);

function provablyNotString(path: NodePath<t.Expression>): boolean {
  const node = path.node;
  if (isNonStringValue(node)) return true;
  if (t.isCallExpression(node) && t.isIdentifier(node.callee) && ARRAY_HELPERS.has(node.callee.name)) return true;
  if (!t.isIdentifier(node)) return false;
  const binding = path.scope.getBinding(node.name);
  if (!binding) return NOT_STRING_GLOBALS.has(node.name);
  if (binding.kind === "hoisted" || t.isClassDeclaration(binding.path.node)) return true;
  if (!binding.path.isVariableDeclarator()) return false;
  const init = binding.path.node.init;
  if (!init || !isNonStringValue(init)) return false;
  // Stryker disable next-line ObjectLiteral: any operator only adds x += [..] or {..}, a string in JavaScript but a number in Microvium (unsupported either way)
  return binding.constantViolations.every((v) => v.isAssignmentExpression({ operator: "=" }) && isNonStringValue(v.node.right));
}

function isNonStringValue(node: t.Node): boolean {
  return (
    t.isArrayExpression(node) ||
    t.isObjectExpression(node) ||
    t.isNewExpression(node) ||
    t.isThisExpression(node) ||
    t.isFunctionExpression(node) ||
    // (No class expression gets here: lowerFunctionsAndClasses made each a declaration or a call.)
    t.isArrowFunctionExpression(node)
  );
}
