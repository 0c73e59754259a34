import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at } from "../build";
import type { LoweringContext } from "../context";
import { expandPattern } from "../patterns";

/** Destructuring in declarations, assignments and catch clauses (parameters and loop heads were
 * turned into declarations by earlier passes) becomes one simple assignment per name:
 *   const { a, b: [c = 1] } = f()  →  const _t = f(), a = _t.a, _t2 = _t.b[0], c = _t2 === undefined ? 1 : _t2
 * The source is evaluated once, properties are read in source order. */
export function lowerDestructuring(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    CatchClause(path) {
      const param = path.node.param;
      if (!param || t.isIdentifier(param)) return;
      const id = ctx.tempName(path, "error");
      path.node.param = id;
      path.get("body").unshiftContainer("body", at(t.variableDeclaration("let", [t.variableDeclarator(param, t.cloneNode(id))]), param));
    },
    VariableDeclaration(path) {
      const node = path.node;
      // Stryker disable next-line ConditionalExpression,ArrowFunction: a shortcut; plain names only pass through the loop below unchanged
      if (node.declarations.every((d) => t.isIdentifier(d.id))) return;
      const declarators: t.VariableDeclarator[] = [];
      for (const d of node.declarations) {
        if (t.isIdentifier(d.id)) {
          declarators.push(d);
          continue;
        }
        if (!d.init) ctx.fail(d, "a destructuring declaration needs a value", "add `= value`");
        // Stryker disable next-line BooleanLiteral: the declared names are new, so a source name can't change between the reads; false only adds a temporary
        const steps = expandPattern(d.id as t.LVal, d.init, { ctx, newTemp: () => ctx.tempName(path), rereadIdentifiers: true });
        for (const step of steps) declarators.push(at(t.variableDeclarator(step.target as t.Identifier, step.value), d));
      }
      node.declarations = declarators;
    },
    AssignmentExpression(path) {
      const node = path.node;
      // Stryker disable next-line ConditionalExpression: a pattern can only be the target of `=` (anything else is a syntax error)
      if (node.operator !== "=" || !(t.isObjectPattern(node.left) || t.isArrayPattern(node.left))) return;
      const newTemp = () => ctx.temp(path);
      const statementLevel = path.parentPath.isExpressionStatement();
      // Stryker disable next-line BlockStatement: the expression form works as a statement too; this form only saves the temporary for the value
      if (statementLevel) {
        const steps = expandPattern(node.left, node.right, { ctx, newTemp, rereadIdentifiers: false });
        replaceStatement(path.parentPath as NodePath<t.ExpressionStatement>, steps.map((s) => at(t.expressionStatement(t.assignmentExpression("=", s.target, s.value)), node)));
        return;
      }
      // The assignment's value is its right-hand side.
      const src = newTemp();
      // Stryker disable next-line BooleanLiteral: the source here is the temporary src, read again either way
      const steps = expandPattern(node.left, t.cloneNode(src), { ctx, newTemp, rereadIdentifiers: false });
      const exprs = [t.assignmentExpression("=", t.cloneNode(src), node.right), ...steps.map((s) => t.assignmentExpression("=", s.target, s.value)), t.cloneNode(src)];
      path.replaceWith(at(t.sequenceExpression(exprs), node));
    },
  });
}

function replaceStatement(path: NodePath<t.ExpressionStatement>, statements: t.Statement[]): void {
  // Stryker disable next-line ConditionalExpression: a block in a statement list changes nothing (the temporaries are function-level), and Babel's replaceWithMultiple wraps a single-statement body in a block itself
  if (Array.isArray(path.container)) path.replaceWithMultiple(statements);
  else path.replaceWith(t.blockStatement(statements));
}
