import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { at, helperCall } from "../build";
import type { LoweringContext } from "../context";

/** Object literals Microvium can't compile: its keys must be plain identifiers and it has no
 * spread.
 *   { a: 1, ...o, b }        → __sf_assign(__sf_assign({ a: 1 }, o), { b })
 *   { [k]: v, "x-y": 2, 3: c } → (_t = {}, _t[k] = v, _t["x-y"] = 2, _t[3] = c, _t)
 * Values are evaluated in source order either way. */
export function lowerObjectLiterals(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    ObjectExpression: {
      exit(path) {
        const node = path.node;
        // Quoted keys that are identifiers need no rewrite: {"a": 1} → {a: 1}.
        for (const prop of node.properties) {
          if (t.isObjectProperty(prop) && !prop.computed && t.isStringLiteral(prop.key) && t.isValidIdentifier(prop.key.value, false)) {
            prop.key = t.identifier(prop.key.value);
          }
        }
        if (node.properties.some((p) => t.isSpreadElement(p))) {
          let acc: t.Expression | undefined;
          let group: t.ObjectExpression["properties"] = [];
          const flush = () => {
            if (group.length === 0) return;
            acc = acc ? helperCall("__sf_assign", [acc, t.objectExpression(group)]) : t.objectExpression(group);
            group = [];
          };
          for (const prop of node.properties) {
            if (t.isSpreadElement(prop)) {
              flush();
              acc = helperCall("__sf_assign", [acc ?? t.objectExpression([]), prop.argument]);
            } else {
              group.push(prop);
            }
          }
          flush();
          // The groups are new object literals: this visitor sees them again for their keys.
          path.replaceWith(at(acc!, node));
          return;
        }
        const firstComplex = node.properties.findIndex((p) => t.isObjectProperty(p) && (p.computed || !t.isIdentifier(p.key)));
        if (firstComplex < 0) return;
        const temp = ctx.temp(path, "o");
        const exprs: t.Expression[] = [t.assignmentExpression("=", t.cloneNode(temp), t.objectExpression(node.properties.slice(0, firstComplex)))];
        for (const prop of node.properties.slice(firstComplex)) {
          if (!t.isObjectProperty(prop)) throw new Error(`internal: object member ${prop.type} left after method lowering`);
          const key = prop.computed || !t.isIdentifier(prop.key) ? (prop.key as t.Expression) : t.stringLiteral(prop.key.name);
          exprs.push(t.assignmentExpression("=", t.memberExpression(t.cloneNode(temp), key, true), prop.value as t.Expression));
        }
        exprs.push(t.cloneNode(temp));
        path.replaceWith(at(t.sequenceExpression(exprs), node));
      },
    },
  });
}
