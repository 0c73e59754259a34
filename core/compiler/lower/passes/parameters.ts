import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { at, undef } from "../build";
import type { LoweringContext } from "../context";

/** Microvium takes only plain identifiers as parameters. Default values become an
 * `if (p === undefined) p = default;` prologue, evaluated left to right like JS does, and
 * destructured parameters become a plain parameter destructured by a `let` in the prologue
 * (which the destructuring pass then expands). Rest parameters were handled before this pass. */
export function lowerParameters(ast: t.File, _ctx: LoweringContext): void {
  traverse(ast, {
    Function(path) {
      const node = path.node;
      if (node.params.every((p) => t.isIdentifier(p))) return;
      const prologue: t.Statement[] = [];
      node.params = node.params.map((param, i) => {
        if (t.isIdentifier(param)) return param;
        if (t.isAssignmentPattern(param) && t.isIdentifier(param.left)) {
          const name = param.left.name;
          prologue.push(at(t.ifStatement(t.binaryExpression("===", t.identifier(name), undef()), t.expressionStatement(t.assignmentExpression("=", t.identifier(name), param.right))), param));
          return t.identifier(name);
        }
        const id = path.scope.generateUidIdentifier(`p${i}`);
        if (t.isAssignmentPattern(param)) {
          const value = t.conditionalExpression(t.binaryExpression("===", t.cloneNode(id), undef()), param.right, t.cloneNode(id));
          prologue.push(at(t.variableDeclaration("let", [t.variableDeclarator(param.left, value)]), param));
        } else if (t.isObjectPattern(param) || t.isArrayPattern(param)) {
          prologue.push(at(t.variableDeclaration("let", [t.variableDeclarator(param, t.cloneNode(id))]), param));
        } else {
          throw new Error(`internal: unexpected parameter ${param.type}`);
        }
        return id;
      });
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
