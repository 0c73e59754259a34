import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { keyLiteral, at, helperCall } from "../build";
import type { LoweringContext } from "../context";

/** Spread in array literals and calls. Microvium has neither spread nor Function.prototype.apply:
 *   [a, ...xs, b]  → __sf_spread(__sf_spread([a], xs), [b])     (items appended in order)
 *   f(...xs)       → __sf_call(f, [...xs])
 *   o.m(a, ...xs)  → __sf_callMethod(o, "m", [a, ...xs])        (keeps this = o)
 *   new C(...xs)   → __sf_new(C, [...xs])
 * The call helpers dispatch on the argument count (up to 8). Spread of strings gives their
 * characters; other iterables don't exist in Microvium. */
export function lowerSpread(ast: t.File, _ctx: LoweringContext): void {
  traverse(ast, {
    ArrayExpression: {
      exit(path) {
        const elements = path.node.elements;
        if (!elements.some((e) => t.isSpreadElement(e))) return;
        let acc: t.Expression | undefined;
        let group: (t.Expression | null)[] = [];
        const flush = () => {
          if (group.length === 0) return;
          acc = acc ? helperCall("__sf_spread", [acc, t.arrayExpression(group)]) : t.arrayExpression(group);
          group = [];
        };
        for (const element of elements) {
          if (t.isSpreadElement(element)) {
            flush();
            acc = helperCall("__sf_spread", [acc ?? t.arrayExpression([]), element.argument]);
          } else {
            group.push(element);
          }
        }
        flush();
        path.replaceWith(at(acc!, path.node));
      },
    },
    CallExpression: {
      exit(path) {
        const node = path.node;
        if (!node.arguments.some((a) => t.isSpreadElement(a))) return;
        const args = t.arrayExpression(node.arguments as (t.Expression | t.SpreadElement)[]);
        const callee = node.callee;
        let call: t.Expression;
        if (t.isMemberExpression(callee)) {
          const key = callee.computed ? (callee.property as t.Expression) : keyLiteral(callee.property)!;
          call = helperCall("__sf_callMethod", [callee.object as t.Expression, key, args]);
        } else {
          call = helperCall("__sf_call", [callee as t.Expression, args]);
        }
        path.replaceWith(at(call, node));
      },
    },
    NewExpression: {
      exit(path) {
        const node = path.node;
        if (!node.arguments.some((a) => t.isSpreadElement(a))) return;
        path.replaceWith(at(helperCall("__sf_new", [node.callee as t.Expression, t.arrayExpression(node.arguments as (t.Expression | t.SpreadElement)[])]), node));
      },
    },
  });
}
