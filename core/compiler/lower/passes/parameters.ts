import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, undef } from "../build";
import type { LoweringContext } from "../context";

/** Microvium takes only plain identifiers as parameters. Default values become an
 * `if (p === undefined) p = default;` prologue, evaluated left to right like JS does, and
 * destructured parameters become a plain parameter destructured by a `let` in the prologue
 * (which the destructuring pass then expands). Rest parameters were handled before this pass.
 * Microvium also fails ("Internal error") when a constructor assigns one of its parameters, so
 * in constructors a reassigned or defaulted parameter is copied into a `let` first. */
export function lowerParameters(ast: t.File, _ctx: LoweringContext): void {
  traverse(ast, {
    Function(path) {
      const node = path.node;
      const copied = t.isClassMethod(node, { kind: "constructor" }) ? reassignedParameters(path) : new Set<string>();
      // Stryker disable next-line ConditionalExpression,ArrowFunction: a shortcut; with nothing to copy or default, the loop below changes nothing and leaves the prologue empty
      if (copied.size === 0 && node.params.every((p) => t.isIdentifier(p))) return;
      const prologue: t.Statement[] = [];
      node.params = node.params.map((param, i) => {
        const simpleName = t.isIdentifier(param) ? param.name : t.isAssignmentPattern(param) && t.isIdentifier(param.left) ? param.left.name : undefined;
        if (simpleName !== undefined) {
          let incoming = t.identifier(simpleName);
          if (copied.has(simpleName) || (t.isAssignmentPattern(param) && t.isClassMethod(node, { kind: "constructor" }))) {
            incoming = path.scope.generateUidIdentifier(simpleName);
            prologue.push(at(t.variableDeclaration("let", [t.variableDeclarator(t.identifier(simpleName), t.cloneNode(incoming))]), param));
          }
          if (t.isAssignmentPattern(param)) {
            const test = t.binaryExpression("===", t.identifier(simpleName), undef());
            prologue.push(at(t.ifStatement(test, t.expressionStatement(t.assignmentExpression("=", t.identifier(simpleName), param.right))), param));
          }
          return incoming;
        }
        const id = path.scope.generateUidIdentifier(`p${i}`);
        if (t.isAssignmentPattern(param)) {
          const value = t.conditionalExpression(t.binaryExpression("===", t.cloneNode(id), undef()), param.right, t.cloneNode(id));
          prologue.push(at(t.variableDeclaration("let", [t.variableDeclarator(param.left as t.LVal, value)]), param));
        // Equivalent mutant (ConditionalExpression; Stryker can't mark one on an else-if line): rest parameters were lowered before, so a parameter that is no name is a default or a pattern
        } else if (t.isObjectPattern(param) || t.isArrayPattern(param)) {
          prologue.push(at(t.variableDeclaration("let", [t.variableDeclarator(param, t.cloneNode(id))]), param));
          // Equivalent mutant (BlockStatement; Stryker can't mark one on an else line): unreachable (see above); the throw only guards a future parameter form
        } else {
          throw new Error(`internal: unexpected parameter ${param.type}`);
        }
        return id;
      });
      // Stryker disable next-line ConditionalExpression: a shortcut; no prologue is unshifted as nothing, and an arrow body returned from a block gives the same value
      if (prologue.length === 0) return;
      const body = path.get("body");
      if (body.isBlockStatement()) {
        body.unshiftContainer("body", prologue);
      } else {
        path.node.body = t.blockStatement([...prologue, at(t.returnStatement(body.node as t.Expression), body.node)]);
      }
    },
  });
}

/** Names of plain parameters the function body assigns. */
function reassignedParameters(path: NodePath<t.Function>): Set<string> {
  const names = new Set<string>();
  for (const param of path.node.params) {
    if (!t.isIdentifier(param)) continue;
    const binding = path.scope.getOwnBinding(param.name);
    if (binding && binding.constantViolations.length > 0) names.add(param.name);
  }
  return names;
}
