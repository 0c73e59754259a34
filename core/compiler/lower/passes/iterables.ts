import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { at, helperCall } from "../build";
import type { LoweringContext } from "../context";

/** The library's Map and Set (core/runtime/stdlib/pieces/collections.mvm.js) aren't iterable:
 * Microvium has no iterator protocol, and the later passes read for-of and spread sources by
 * index. So when the feature uses Map or Set, every place that iterates gets its source through
 * __sf_iter, which turns a Map into its entries, a Set into its values, a string into its
 * characters, and passes anything else (arrays) through:
 *   for (const [k, v] of m)  → for (const [k, v] of __sf_iter(m))
 *   [...s], f(...s)          → [...__sf_iter(s)], f(...__sf_iter(s))
 *   Array.from(m), Object.fromEntries(m), const [a, b] = s, [a, b] = s   (likewise)
 * A feature without Map or Set can't hold one, so it is left as it is and pays nothing. */
export function lowerIterables(ast: t.File, _ctx: LoweringContext): void {
  if (!usesGlobal(ast, ["Map", "Set"])) return;
  const wrap = (source: t.Node | null | undefined, set: (e: t.Expression) => void) => {
    if (!source || !t.isExpression(source) || t.isArrayExpression(source) || isIterCall(source)) return;
    set(at(helperCall("__sf_iter", [source]), source));
  };
  traverse(ast, {
    ForOfStatement(path) {
      wrap(path.node.right, (e) => (path.node.right = e));
    },
    SpreadElement(path) {
      // Object spread ({...o}) copies properties, it doesn't iterate.
      // Stryker disable next-line ConditionalExpression: __sf_iter changes only a Map, a Set or a string; a string's characters land on the same keys, and a library Map or Set spread into an object copies its internal fields either way (Node gives {}: not supported)
      if (t.isObjectExpression(path.parent)) return;
      wrap(path.node.argument, (e) => (path.node.argument = e));
    },
    CallExpression(path) {
      const callee = path.node.callee;
      if (!t.isMemberExpression(callee) || callee.computed || !t.isIdentifier(callee.object) || !t.isIdentifier(callee.property)) return;
      const name = `${callee.object.name}.${callee.property.name}`;
      if ((name !== "Array.from" && name !== "Object.fromEntries") || path.scope.hasBinding(callee.object.name, true)) return;
      const args = path.node.arguments;
      wrap(args[0], (e) => (args[0] = e));
    },
    VariableDeclarator(path) {
      if (t.isArrayPattern(path.node.id)) wrap(path.node.init, (e) => (path.node.init = e));
    },
    AssignmentExpression(path) {
      if (t.isArrayPattern(path.node.left)) wrap(path.node.right, (e) => (path.node.right = e));
    },
  });
}

function isIterCall(node: t.Expression): boolean {
  // Stryker disable next-line ConditionalExpression: __sf_iter of its own result passes the array through: the check only saves a second call
  return t.isCallExpression(node) && t.isIdentifier(node.callee, { name: "__sf_iter" });
}

/** Does the program read any of these names as globals (not bound by the program itself)? */
function usesGlobal(ast: t.File, names: string[]): boolean {
  let found = false;
  traverse(ast, {
    ReferencedIdentifier(path) {
      const node = path.node;
      if (t.isIdentifier(node) && names.includes(node.name) && !path.scope.hasBinding(node.name, true)) {
        found = true;
        path.stop();
      }
    },
  });
  return found;
}
