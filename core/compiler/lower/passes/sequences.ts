import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { at, isRereadable } from "../build";
import type { LoweringContext } from "../context";

/** Microvium has no comma operator, but the other passes (and authors: `for (...; i++, j--)`)
 * produce sequences. Runs last.
 *   statement `a, b;`   → `a; b;`
 *   `return a, b;`      → `a; return b;`
 *   any other `(a, b, c)` → `(a && 0) || (b && 0) || c`
 * `(a && 0)` evaluates a and is falsy whatever a was, so `||` goes on to the next item and the
 * whole expression yields c: the same evaluation order and result, using only && and ||. */
export function lowerSequences(ast: t.File, _ctx: LoweringContext): void {
  traverse(ast, {
    SequenceExpression: {
      exit(path) {
        const exprs = path.node.expressions;
        const parent = path.parentPath;
        const statementList = Array.isArray(parent.container);
        // Stryker disable next-line BlockStatement,ConditionalExpression: the general form below gives the same result (this one is shorter)
        if (parent.isExpressionStatement() && statementList) {
          // Stryker disable next-line MethodExpression: a name or literal alone as a statement does nothing either
          parent.replaceWithMultiple(exprs.filter((e) => !isRereadable(e)).map((e) => at(t.expressionStatement(e), parent.node)));
          return;
        }
        // Stryker disable next-line BlockStatement,ConditionalExpression: the general form below gives the same result (this one is shorter)
        if (parent.isReturnStatement() && statementList) {
          // Stryker disable next-line MethodExpression: a name or literal alone as a statement does nothing either
          const effects = exprs.slice(0, -1).filter((e) => !isRereadable(e)).map((e) => at(t.expressionStatement(e), parent.node));
          parent.insertBefore(effects);
          path.replaceWith(exprs[exprs.length - 1]);
          return;
        }
        // Stryker disable next-line MethodExpression: (name && 0) reads the name and goes on, as dropping it does
        const effects = exprs.slice(0, -1).filter((e) => !isRereadable(e));
        let acc: t.Expression | undefined;
        for (const e of effects) {
          const discarded = t.logicalExpression("&&", e, t.numericLiteral(0));
          acc = acc ? t.logicalExpression("||", acc, discarded) : discarded;
        }
        const last = exprs[exprs.length - 1];
        path.replaceWith(at(acc ? t.logicalExpression("||", acc, last) : last, path.node));
      },
    },
  });
}
