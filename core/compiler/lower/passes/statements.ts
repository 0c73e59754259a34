import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import type { LoweringContext } from "../context";

/** Statements Microvium refuses that mean nothing at run time: empty statements (`;`, often
 * left by bundling) and `debugger`. In a position that needs a statement they become `{}`. */
export function removeEmptyStatements(ast: t.File, _ctx: LoweringContext): void {
  const drop = (path: NodePath<t.EmptyStatement | t.DebuggerStatement>) => {
    // Stryker disable next-line ConditionalExpression: either way the same program: Babel puts an empty block where a removed single statement stood, and `{}` in a list does nothing
    if (Array.isArray(path.container)) path.remove();
    else path.replaceWith(t.blockStatement([]));
  };
  traverse(ast, {
    EmptyStatement: drop,
    DebuggerStatement: drop,
  });
}
