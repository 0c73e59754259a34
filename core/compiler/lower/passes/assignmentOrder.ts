import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at, isRereadable } from "../build";
import type { LoweringContext } from "../context";

/** Arithmetic compound assignments, rewritten to a read and a plain write. */
const COMPOUND = new Set(["+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^="]);

/** JS evaluates `o[k] = v` as: o, then k, then v. Microvium evaluates v first (and for
 * `o[k] += v` evaluates k twice), so where the order can show, the object and key go to
 * temporaries first:
 *   o[k()] = v()   → (_o = o(), _k = k(), _o[_k] = v())
 *   o[k()] += v()  → (_k = k(), o[_k] = o[_k] + v())
 * Left alone: literal keys, and names whose value the right side can't change (not assigned
 * in it, nor in any other function that it might call), which covers `a[i] = f(x)` in loops.
 * Sequences become && / || chains later (lowerSequences). */
export function lowerAssignmentOrder(ast: t.File, ctx: LoweringContext): void {
  const generated = new WeakSet<t.Node>();
  traverse(ast, {
    AssignmentExpression: {
      exit(path) {
        const node = path.node;
        const left = node.left;
        if (generated.has(node) || !t.isMemberExpression(left) || !left.computed) return;
        // Stryker disable next-line ConditionalExpression: the only other assignments (??=, ||=, &&=) were lowered to plain ones by nullish.ts
        if (node.operator !== "=" && !COMPOUND.has(node.operator)) return;
        const right = path.get("right") as NodePath<t.Expression>;
        // A stable key is a literal, `this` or a name, so `o[k] op= v` may read it twice.
        const keyStable = isStable(path.get("left.property") as NodePath<t.Expression>, right);
        const objectStable = isStable(path.get("left.object") as NodePath<t.Expression>, right);
        // (Its `false` mutant, rewriting a stable target too, survives: equivalent, only a temporary more.)
        if (keyStable && objectStable) return;

        const steps: t.Expression[] = [];
        const hoist = (e: t.Expression, hint: string): t.Expression => {
          if (isRereadable(e) && isStable(undefined, right, e)) return e;
          const temp = ctx.temp(path, hint);
          steps.push(t.assignmentExpression("=", temp, e));
          return temp;
        };
        const object = hoist(left.object as t.Expression, "o");
        const key = hoist(left.property as t.Expression, "k");
        const target = () => t.memberExpression(t.cloneNode(object), t.cloneNode(key), true);
        const value = node.operator === "=" ? node.right : t.binaryExpression(node.operator.slice(0, -1) as t.BinaryExpression["operator"], target(), node.right);
        const write = t.assignmentExpression("=", target(), value);
        generated.add(write);
        steps.push(write);
        path.replaceWith(at(t.sequenceExpression(steps), node));
      },
    },
  });
}

/** A literal, `this`, or a name the right side can't change. `path` may be undefined for a
 * node outside the tree (then `node` is checked against `right` by name only). */
function isStable(path: NodePath<t.Expression> | undefined, right: NodePath<t.Expression>, node: t.Expression | undefined = path?.node): boolean {
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: a missing node is no literal, `this` or name either, so it is unstable anyway
  if (!node) return false;
  if (t.isThisExpression(node) || (t.isLiteral(node) && !t.isTemplateLiteral(node))) return true;
  if (!t.isIdentifier(node)) return false;
  const binding = right.scope.getBinding(node.name);
  // Stryker disable next-line BooleanLiteral: the only globals feature code may name here (undefined, NaN, Infinity) can't be assigned
  if (!binding) return false; // a global: any call may change it
  // Stryker disable next-line ConditionalExpression: a shortcut; a constant binding has no violations, so the test below holds too
  if (binding.constant) return true;
  const home = binding.path.getFunctionParent();
  return binding.constantViolations.every((v) => v.getFunctionParent() === home && !v.isDescendant(right));
}
