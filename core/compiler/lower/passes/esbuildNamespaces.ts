import * as t from "@babel/types";
import { at } from "../build";
import type { LoweringContext } from "../context";

/** `import * as ns from "./x"` with ns used as a value makes esbuild build a namespace object
 * with getters (Object.defineProperty), which Microvium lacks:
 *   var __defProp = Object.defineProperty;
 *   var __export = (target, all) => { for (var name in all) __defProp(target, name, { get: all[name], ... }); };
 *   var x_exports = {};
 *   __export(x_exports, { a: () => a, b: () => b });
 * The helpers are dropped and each `__export` call becomes plain assignments at the END of the
 * module, once every exported binding has its value: `x_exports.a = a; x_exports.b = b;`.
 * Unlike the getters these are not live, and a namespace read while the module is still being
 * initialised sees nothing yet. */
export function lowerEsbuildNamespaces(ast: t.File, _ctx: LoweringContext): void {
  const body = ast.program.body;
  const helperIndex = body.findIndex((s) => declares(s, "__export"));
  if (helperIndex < 0) return;
  const assignments: t.Statement[] = [];
  const kept: t.Statement[] = [];
  for (const statement of body) {
    if (declares(statement, "__export") || declares(statement, "__defProp")) continue;
    const call = t.isExpressionStatement(statement) ? statement.expression : undefined;
    if (t.isCallExpression(call) && t.isIdentifier(call.callee, { name: "__export" }) && t.isIdentifier(call.arguments[0]) && t.isObjectExpression(call.arguments[1])) {
      const target = call.arguments[0];
      for (const prop of call.arguments[1].properties) {
        const getter = t.isObjectProperty(prop) ? prop.value : undefined;
        if (!t.isObjectProperty(prop) || !t.isArrowFunctionExpression(getter) || !t.isExpression(getter.body)) {
          return; // not esbuild's shape: leave it, the globals check reports Object.defineProperty
        }
        const key = prop.computed ? (prop.key as t.Expression) : t.isIdentifier(prop.key) ? t.stringLiteral(prop.key.name) : (prop.key as t.Expression);
        assignments.push(at(t.expressionStatement(t.assignmentExpression("=", t.memberExpression(t.cloneNode(target), key, true), getter.body)), prop));
      }
      continue;
    }
    kept.push(statement);
  }
  // After everything, the export list too: lowerExportLists takes the list wherever it stands,
  // and a namespace declared after the list (hand-written input) is then initialised first.
  ast.program.body = [...kept, ...assignments];
}

function declares(statement: t.Statement, name: string): boolean {
  return t.isVariableDeclaration(statement) && statement.declarations.some((d) => t.isIdentifier(d.id, { name }));
}
