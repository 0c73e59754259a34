import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { INDEX_HELPER, LENGTH_HELPER, PRIMITIVE_METHODS, primitiveMethodHelper } from "../../../runtime/stdlib/primitiveMembers";
import { at, helperCall, isMemberWrite } from "../build";
import type { LoweringContext } from "../context";

/** Any property read on a string throws in Microvium, and the code can't tell strings from
 * arrays at build time, so where the object MIGHT be a string:
 *   x.length      → __sf_len(x)
 *   x[i]          → __sf_at(x, i)        (computed reads, except keys that are non-numeric string literals)
 *   x.slice(a, b) → __sf_str_slice(x, a, b)   (every name in PRIMITIVE_METHODS)
 * The helpers ask the host for strings (numbers for toFixed/toString) and do the ordinary member
 * access otherwise. Objects provably not strings are left alone, because every helper is a call:
 * literals, `this`, `new`, functions, classes, names only ever bound to those, and the loops and
 * array patterns the lowering generated itself. */
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
        path.replaceWith(at(helperCall(LENGTH_HELPER, [node.object as t.Expression]), node));
        return;
      }
      if (node.computed && (name === undefined || /^\d+$/.test(name))) {
        if (provablyNotString(path.get("object") as NodePath<t.Expression>)) return;
        path.replaceWith(at(helperCall(INDEX_HELPER, [node.object as t.Expression, node.property as t.Expression]), node));
      }
    },
  });
}

/** The member's name when it is known at build time. */
function memberName(node: t.MemberExpression): string | undefined {
  if (!node.computed && t.isIdentifier(node.property)) return node.property.name;
  if (t.isStringLiteral(node.property)) return node.property.value;
  if (t.isNumericLiteral(node.property)) return String(node.property.value);
  return undefined;
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
  return binding.constantViolations.every((v) => v.isAssignmentExpression({ operator: "=" }) && isNonStringValue(v.node.right));
}

function isNonStringValue(node: t.Node): boolean {
  return (
    t.isArrayExpression(node) ||
    t.isObjectExpression(node) ||
    t.isNewExpression(node) ||
    t.isThisExpression(node) ||
    t.isFunctionExpression(node) ||
    t.isArrowFunctionExpression(node) ||
    t.isClassExpression(node)
  );
}
