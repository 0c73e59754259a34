import traverse, { type Binding, type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, helperCall, undef } from "../build";
import type { LoweringContext } from "../context";

const HINT = "take an array parameter instead: `function f(items: T[])`, called as f([a, b])";

/** Rest parameters. Microvium functions can't see their arguments beyond the declared parameters
 * (no `arguments`, no argument count), so the callee alone can't collect them. Instead the rest
 * parameter becomes an ordinary array parameter and every call site packs the extra arguments:
 * `f(a, b, c)` → `f(a, [b, c])`. That needs every call site, so it works for functions declared
 * by name that are only ever called directly; a function with a rest parameter that is passed
 * around, exported or used as a method is reported. */
export function lowerRestParameters(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    Function(path) {
      const params = path.node.params;
      const last = params[params.length - 1];
      if (!t.isRestElement(last)) return;
      const fixed = params.length - 1;
      const binding = nameBinding(path);
      if (!binding) {
        ctx.fail(last, "rest parameters are supported only on functions declared by name (function f / const f = ...) and called directly", HINT);
      }
      const calls: NodePath<t.CallExpression | t.OptionalCallExpression>[] = [];
      for (const ref of binding.referencePaths) {
        const parent = ref.parentPath;
        if ((parent?.isCallExpression() || parent?.isOptionalCallExpression()) && ref.key === "callee") {
          calls.push(parent);
        } else {
          ctx.fail(ref.node, `${binding.identifier.name} has a rest parameter, so it can only be called directly; here it is used as a value`, HINT);
        }
      }
      params[fixed] = last.argument as t.Identifier | t.Pattern;
      for (const call of calls) packCallArguments(call, fixed);
    },
  });
}

/** The binding that names this function, when it can't be reassigned. */
function nameBinding(path: NodePath<t.Function>): Binding | undefined {
  let binding: Binding | undefined;
  if (path.isFunctionDeclaration() && path.node.id) {
    binding = path.parentPath.scope.getBinding(path.node.id.name);
  // Equivalent mutant (ConditionalExpression; Stryker can't mark one on an else-if line): a function in a declarator can only be its init, and only a declarator has an "init" child that holds a function
  } else if ((path.isFunctionExpression() || path.isArrowFunctionExpression()) && path.parentPath.isVariableDeclarator() && path.key === "init") {
    const id = path.parentPath.node.id;
    if (t.isIdentifier(id)) binding = path.parentPath.scope.getBinding(id.name);
  }
  return binding?.constant ? binding : undefined;
}

function packCallArguments(call: NodePath<t.CallExpression | t.OptionalCallExpression>, fixed: number): void {
  const node = call.node;
  const args = node.arguments;
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: a `?.` call left optional is lowered by the optional-chaining pass with the same result (the callee is a declared function); clearing it saves the check
  if (t.isOptionalCallExpression(node)) node.optional = false; // the callee is a declared function, never nullish
  if (args.some((a) => t.isSpreadElement(a))) {
    // Where the rest starts is only known at run time.
    const all = t.arrayExpression(args as (t.Expression | t.SpreadElement)[]);
    call.replaceWith(at(helperCall("__sf_callRest", [node.callee as t.Expression, t.numericLiteral(fixed), all]), node));
    return;
  }
  const head = args.slice(0, fixed) as t.Expression[];
  while (head.length < fixed) head.push(undef());
  node.arguments = [...head, t.arrayExpression(args.slice(fixed) as t.Expression[])];
}
