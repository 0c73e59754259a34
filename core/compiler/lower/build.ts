import type { NodePath } from "@babel/traverse";
import * as t from "@babel/types";

/** Small AST builders shared by the lowering passes. */

export function undef(): t.Identifier {
  return t.identifier("undefined");
}

export function helperCall(name: string, args: t.Expression[]): t.CallExpression {
  return t.callExpression(t.identifier(name), args);
}

/** Nodes that can be read a second time right away with the same result and no side effects.
 * Identifiers qualify: nothing runs between the reads the lowering emits. */
export function isRereadable(node: t.Node): node is t.Identifier | t.ThisExpression | t.Literal {
  return t.isIdentifier(node) || t.isThisExpression(node) || (t.isLiteral(node) && !t.isTemplateLiteral(node));
}

/** `x === null || x === undefined` for a rereadable x; `first` is what to evaluate for the first
 * read (e.g. `(_t = expr)`), `x` the name read afterwards. */
export function isNullishTest(first: t.Expression, x: t.Expression): t.Expression {
  return t.logicalExpression("||", t.binaryExpression("===", first, t.nullLiteral()), t.binaryExpression("===", t.cloneNode(x), undef()));
}

export function isNotNullishTest(first: t.Expression, x: t.Expression): t.Expression {
  return t.logicalExpression("&&", t.binaryExpression("!==", first, t.nullLiteral()), t.binaryExpression("!==", t.cloneNode(x), undef()));
}

/** Gives a generated node the input position of the node it replaces, so the output source map
 * (and Microvium's error locations) still point at the author's code. */
export function at<T extends t.Node>(node: T, original: t.Node): T {
  if (original.loc && !node.loc) {
    node.loc = original.loc;
    node.start = original.start;
    node.end = original.end;
  }
  return node;
}

/** The property key of a non-computed member or object key as a string literal expression. */
export function keyLiteral(key: t.Node): t.Expression | undefined {
  if (t.isIdentifier(key)) return t.stringLiteral(key.name);
  if (t.isStringLiteral(key)) return t.stringLiteral(key.value);
  if (t.isNumericLiteral(key)) return t.numericLiteral(key.value);
  return undefined;
}

/** Is `node` (a MemberExpression) being read, as opposed to assigned, updated or deleted? */
export function isMemberWrite(path: NodePath): boolean {
  const parent = path.parent;
  if (t.isAssignmentExpression(parent) && path.key === "left") return true;
  if (t.isUpdateExpression(parent)) return true;
  if (t.isUnaryExpression(parent, { operator: "delete" })) return true;
  if ((t.isForInStatement(parent) || t.isForOfStatement(parent)) && path.key === "left") return true;
  if (t.isArrayPattern(parent) || t.isRestElement(parent)) return true;
  if (t.isObjectProperty(parent) && path.key === "value" && t.isObjectPattern(path.parentPath?.parent)) return true;
  if (t.isAssignmentPattern(parent) && path.key === "left") return true;
  return false;
}
