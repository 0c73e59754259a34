import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, helperCall } from "../build";
import type { LoweringContext } from "../context";

/** Microvium functions can't count their arguments, so the library's versions of variadic
 * functions take a fixed number and the call sites are adapted here:
 *   Math.max(a, b, c)   → Math.max(Math.max(a, b), c)      (min and hypot alike)
 *   Math.max(...xs)     → __sf_fold(Math.max, [...xs], -Infinity)
 *   Object.assign(t, a, b) → Object.assign(Object.assign(t, a), b)
 *   x.push(a, b) / x.push(...xs) → __sf_push(x, [a, b])   (Microvium's push takes one item)
 *   n = x.push(a)       → n = __sf_push(x, [a])             (and returns nothing)
 *   x.concat(a, b)      → x.concat(a).concat(b)
 *   x.unshift(a, b), x.splice(i, n, items...) → reported (one-item forms only)
 *   x.reduce(f, init)   → x.reduce(f, init, 1)             (tells "no initial value" apart; extras after it)
 *   Number(x) → +x, and a bare `Number` value → __sf_toNumber (Number isn't callable in Microvium) */
export function lowerVariadicCalls(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    CallExpression(path) {
      const node = path.node;
      const callee = node.callee;
      const args = node.arguments;
      const hasSpread = args.some((a) => t.isSpreadElement(a));
      if (t.isIdentifier(callee, { name: "Number" }) && isGlobal(path, "Number")) {
        if (hasSpread) ctx.fail(node, "Number(...args) is not supported", "call Number(x) with one argument");
        path.replaceWith(at(args.length === 0 ? t.numericLiteral(0) : t.unaryExpression("+", args[0] as t.Expression), node));
        return;
      }
      if (!t.isMemberExpression(callee) || callee.computed || !t.isIdentifier(callee.property)) return;
      const method = callee.property.name;
      const namespace = t.isIdentifier(callee.object) && isGlobal(path, callee.object.name) ? callee.object.name : undefined;

      if (namespace === "Math" && (method === "max" || method === "min" || method === "hypot")) {
        const identity = method === "max" ? t.unaryExpression("-", t.identifier("Infinity")) : method === "min" ? t.identifier("Infinity") : t.numericLiteral(0);
        if (hasSpread) {
          path.replaceWith(at(helperCall("__sf_fold", [callee, t.arrayExpression(args as t.Expression[]), identity]), node));
        } else if (args.length !== 2) {
          const all = args as t.Expression[];
          let acc: t.Expression = all.length === 0 ? identity : all[0];
          // A lone argument still goes through the function: Math.max("7") is the number 7, Math.hypot(-3) is 3.
          // Stryker disable next-line ConditionalExpression: true folds the identity into 3+ arguments once more, the same value
          if (all.length === 1) acc = t.callExpression(t.cloneNode(callee), [acc, identity]);
          for (let i = 1; i < all.length; i++) acc = t.callExpression(t.cloneNode(callee), [acc, all[i]]);
          path.replaceWith(at(acc, node));
        }
        return;
      }
      if (namespace === "Object" && method === "assign" && args.length > 2 && !hasSpread) {
        let acc: t.Expression = t.callExpression(t.cloneNode(callee), [args[0] as t.Expression, args[1] as t.Expression]);
        for (let i = 2; i < args.length; i++) acc = t.callExpression(t.cloneNode(callee), [acc, args[i] as t.Expression]);
        path.replaceWith(at(acc, node));
        return;
      }
      // No global the VM provides (checkGlobals refuses any other) has a push, concat, unshift, splice or reduce.
      // Its push also returns nothing, so a one-item push whose value is used goes through the helper too.
      if (method === "push" && (hasSpread || args.length > 1 || !path.parentPath.isExpressionStatement())) {
        path.replaceWith(at(helperCall("__sf_push", [callee.object as t.Expression, t.arrayExpression(args as t.Expression[])]), node));
      } else if (method === "concat" && args.length > 1) {
        if (hasSpread) ctx.fail(node, "concat(...items) is not supported", "call concat once per array, or spread into an array literal: [...a, ...b]");
        let acc: t.Expression = t.callExpression(callee, [args[0] as t.Expression]);
        for (let i = 1; i < args.length; i++) acc = t.callExpression(t.memberExpression(acc, t.identifier("concat")), [args[i] as t.Expression]);
        path.replaceWith(at(acc, node));
      } else if ((method === "unshift" && args.length > 1) || (method === "splice" && args.length > 2)) {
        ctx.fail(node, `${method} with several items is not supported in feature code`, method === "unshift" ? "call unshift once per item, last item first" : "remove with splice(start, count), then build the new array with slice and spread");
      // (`args.length >= 2` → true survives, equivalent: reduce(f) gets [f, (none), 1], which Babel prints
      // as reduce(f, 1), no flag third, so no initial value, as written. A disable comment can't reach an else-if.)
      } else if (method === "reduce" && args.length >= 2 && !hasSpread) {
        // The flag goes third, before any extra arguments (JavaScript evaluates and ignores those).
        node.arguments = [args[0], args[1], t.numericLiteral(1), ...args.slice(2)];
      }
    },
    Identifier(path) {
      if (path.node.name !== "Number" || !path.isReferencedIdentifier() || !isGlobal(path, "Number")) return;
      const parent = path.parent;
      // Number.isInteger(x) and the like stay; a call Number(x) never gets here (CallExpression replaced it first).
      // Stryker disable next-line ObjectLiteral: {} also keeps Number as a computed key (o[Number]), which no program can use in Microvium
      if (t.isMemberExpression(parent, { object: path.node })) return;
      path.replaceWith(t.identifier("__sf_toNumber"));
    },
  });
}

function isGlobal(path: NodePath, name: string): boolean {
  return !path.scope.hasBinding(name, true);
}
