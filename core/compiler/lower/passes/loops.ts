import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, helperCall } from "../build";
import type { LoweringContext } from "../context";

/** for...of over arrays and for...in over objects become index loops; Microvium has neither.
 *   for (const x of xs) body  →  for (let i = 0, a = xs; i < a.length; i++) { const x = a[i]; body }
 *   for (const k in o) body   →  for (let i = 0, a = __sf_keys(o); i < a.length; i++) { const k = a[i]; body }
 * `a.length` is read on every iteration, so pushing to the array while iterating visits the new
 * items, as for...of over an array does. for...of iterates arrays only (no iterator protocol).
 * Also fills in the parts Microvium requires of every `for (init; test; update)`. */
export function lowerLoops(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    ForOfStatement(path) {
      lowerIteration(path, path.node.right, ctx);
    },
    ForInStatement(path) {
      lowerIteration(path, helperCall("__sf_keys", [path.node.right]), ctx);
    },
    ForStatement: {
      exit(path) {
        const node = path.node;
        // Microvium: "for-loop without initializer/test/update expression" is not implemented.
        if (!node.init) node.init = t.numericLiteral(0);
        if (!node.test) node.test = t.booleanLiteral(true);
        if (!node.update) node.update = t.numericLiteral(0);
      },
    },
  });
}

function lowerIteration(path: NodePath<t.ForOfStatement | t.ForInStatement>, items: t.Expression, ctx: LoweringContext): void {
  const node = path.node;
  const i = path.scope.generateUidIdentifier("i");
  const array = path.scope.generateUidIdentifier(t.isForOfStatement(node) ? "items" : "keys");
  const element = ctx.markNonString(t.memberExpression(t.cloneNode(array), t.cloneNode(i), true));
  const length = ctx.markNonString(t.memberExpression(t.cloneNode(array), t.identifier("length")));

  let head: t.Statement;
  if (t.isVariableDeclaration(node.left)) {
    head = t.variableDeclaration(node.left.kind, [t.variableDeclarator(node.left.declarations[0].id, element)]);
  } else {
    head = t.expressionStatement(t.assignmentExpression("=", node.left as t.LVal, element));
  }
  at(head, node.left);

  // The body gets its own block so its declarations can shadow the loop variable, as in JS.
  const body = t.isBlockStatement(node.body) ? node.body : t.blockStatement([node.body]);
  const loop = t.forStatement(
    t.variableDeclaration("let", [t.variableDeclarator(i, t.numericLiteral(0)), t.variableDeclarator(array, items)]),
    t.binaryExpression("<", t.cloneNode(i), length),
    t.updateExpression("++", t.cloneNode(i)),
    t.blockStatement(needsOwnBlock(path, head) ? [head, body] : [head, ...body.body]),
  );
  path.replaceWith(at(loop, node));
}

/** Could the loop body's declarations capture a name the head uses? A declaration head: when the
 * body declares one of its names. An assignment head (`for (y of ys)`, `for (o.k in p)`) writes
 * through names declared outside, which any declaration of the body could shadow. */
function needsOwnBlock(path: NodePath<t.ForOfStatement | t.ForInStatement>, head: t.Statement): boolean {
  const bodyPath = path.get("body");
  if (!bodyPath.isBlockStatement()) return false;
  const declared = Object.keys(bodyPath.scope.bindings);
  if (!t.isVariableDeclaration(head)) return declared.length > 0;
  const names = Object.keys(t.getBindingIdentifiers(head));
  return names.some((name) => declared.includes(name));
}
