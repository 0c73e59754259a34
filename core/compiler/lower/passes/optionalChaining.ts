import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, isNullishTest, isRereadable, undef } from "../build";
import type { LoweringContext } from "../context";

type Link =
  | { kind: "member"; property: t.Expression; computed: boolean; optional: boolean }
  | { kind: "call"; args: t.CallExpression["arguments"]; optional: boolean };

/** What the chain has evaluated to so far: a value, or a member access kept unevaluated so a
 * following call gets `this` = the object. */
type Current = { kind: "value"; expr: t.Expression } | { kind: "member"; object: t.Expression; property: t.Expression; computed: boolean };

/** Optional chaining. A chain `a?.b.c(d)?.[e]` is lowered as a whole, from its outermost node:
 *   (_t = a) === null || _t === undefined ? undefined : (_t2 = _t.b.c(d)) === null || _t2 === undefined ? undefined : _t2[e]
 * Each optional link tests the value so far once (a temporary holds it unless it is a plain
 * name) and short-circuits the REST of the chain, like JS. A call keeps its `this`: for
 * `o.m?.()` the method is read to test it and read again to call it as `o.m()` (Microvium has no
 * getters, so the second read sees the same function; it has no Function.prototype.call). */
export function lowerOptionalChaining(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    OptionalMemberExpression(path) {
      path.replaceWith(at(lowerChain(path, ctx), path.node));
    },
    OptionalCallExpression(path) {
      path.replaceWith(at(lowerChain(path, ctx), path.node));
    },
  });
}

function lowerChain(path: NodePath<t.OptionalMemberExpression | t.OptionalCallExpression>, ctx: LoweringContext): t.Expression {
  const links: Link[] = [];
  let node: t.Expression = path.node;
  for (;;) {
    if (t.isOptionalMemberExpression(node)) {
      links.unshift({ kind: "member", property: node.property as t.Expression, computed: node.computed, optional: node.optional });
      node = node.object;
    } else if (t.isOptionalCallExpression(node)) {
      links.unshift({ kind: "call", args: node.arguments, optional: node.optional });
      node = node.callee;
    } else {
      break;
    }
  }
  // A plain member right before the first link (`a.b?.()`) keeps its object as `this`.
  const start: Current = t.isMemberExpression(node) && !t.isPrivateName(node.property) ? { kind: "member", object: node.object, property: node.property, computed: node.computed } : { kind: "value", expr: node };

  /** Evaluate `expr` once: the first use evaluates it, later uses read the temporary. */
  const once = (expr: t.Expression): [t.Expression, t.Expression] => {
    // (Its `false` mutant, a temporary for a rereadable expression too, survives: equivalent, code size only.)
    if (isRereadable(expr)) return [expr, t.cloneNode(expr)];
    const temp = ctx.temp(path);
    return [t.assignmentExpression("=", temp, expr), t.cloneNode(temp)];
  };
  const shortCircuit = (first: t.Expression, again: t.Expression, rest: t.Expression) => t.conditionalExpression(isNullishTest(first, again), undef(), rest);
  const materialize = (cur: Current): t.Expression => (cur.kind === "value" ? cur.expr : t.memberExpression(cur.object, cur.property, cur.computed));

  const build = (i: number, cur: Current): t.Expression => {
    if (i === links.length) return materialize(cur);
    const link = links[i];
    if (link.kind === "member") {
      if (!link.optional) return build(i + 1, { kind: "member", object: materialize(cur), property: link.property, computed: link.computed });
      const [first, again] = once(materialize(cur));
      return shortCircuit(first, again, build(i + 1, { kind: "member", object: again, property: link.property, computed: link.computed }));
    }
    if (!link.optional) return build(i + 1, { kind: "value", expr: t.callExpression(materialize(cur), link.args) });
    if (cur.kind === "value") {
      const [first, again] = once(cur.expr);
      return shortCircuit(first, again, build(i + 1, { kind: "value", expr: t.callExpression(t.cloneNode(again), link.args) }));
    }
    // o.m?.(args): test o.m, then call o.m(args) so that `this` is o.
    const [objectFirst, objectAgain] = once(cur.object);
    const [propertyFirst, propertyAgain] = cur.computed ? once(cur.property) : [cur.property, t.cloneNode(cur.property)];
    const [fnFirst, fnAgain] = once(t.memberExpression(objectFirst, propertyFirst, cur.computed));
    const call = t.callExpression(t.memberExpression(objectAgain, propertyAgain, cur.computed), link.args);
    return shortCircuit(fnFirst, fnAgain, build(i + 1, { kind: "value", expr: call }));
  };
  return build(0, start);
}
