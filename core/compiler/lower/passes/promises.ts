import traverse from "@babel/traverse";
import * as t from "@babel/types";
import type { LoweringContext } from "../context";

/** Microvium 8 has async functions, `await` and `new Promise((resolve, reject) => ...)`, and
 * runs awaited continuations from its job queue (on the device after the host's call returns).
 * Its Promise has nothing else (but Promise.prototype): no then/catch/finally on a promise, no Promise.resolve/all/...,
 * and `await` of a value that isn't a promise is a type error. Those used to build and then
 * stop the device VM (MVM_E_ASSERTION_FAILED for `.then`, TARGET_IS_NOT_CALLABLE for
 * `Promise.resolve`); refuse them here, at what the author wrote. A method named then, catch
 * or finally is refused on any object: which values are promises isn't known here. */
const AWAIT_HINT = "use `await` inside an async function, with try/catch for errors";
const PROMISE_METHOD_HINT: Record<string, string> = {
  then: `promises have no .then in feature code; ${AWAIT_HINT} (if this is your own object's method, give it another name)`,
  catch: `promises have no .catch in feature code; ${AWAIT_HINT} (if this is your own object's method, give it another name)`,
  finally: "promises have no .finally in feature code; run the cleanup after the `await`, in both the try and the catch block (if this is your own object's method, give it another name)",
};

export function rejectUnsupportedPromiseUse(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    "CallExpression|OptionalCallExpression"(path) {
      const callee = (path.node as t.CallExpression | t.OptionalCallExpression).callee;
      if (!(t.isMemberExpression(callee) || t.isOptionalMemberExpression(callee))) return;
      // `p["then"](...)` is the same call as `p.then(...)`; a computed name (`p[k]()`) can't be known.
      const name = !callee.computed && t.isIdentifier(callee.property) ? callee.property.name : t.isStringLiteral(callee.property) ? callee.property.value : undefined;
      if (name !== undefined && Object.prototype.hasOwnProperty.call(PROMISE_METHOD_HINT, name)) ctx.fail(callee.property, `.${name}(...) is not supported in feature code`, PROMISE_METHOD_HINT[name]);
    },
    MemberExpression(path) {
      const { object, property, computed } = path.node;
      if (!t.isIdentifier(object, { name: "Promise" }) || path.scope.hasBinding("Promise", true)) return;
      const member = !computed && t.isIdentifier(property) ? property.name : t.isStringLiteral(property) ? property.value : "[...]";
      if (member === "prototype") return; // exists (its own methods can be added there)
      const hint = member === "resolve" ? "inside an async function use the value itself; to make a promise: new Promise((resolve) => resolve(value))" : member === "reject" ? "throw inside an async function; to make a promise: new Promise((resolve, reject) => reject(error))" : `await the promises one after another in an async function`;
      ctx.fail(path.node, `Promise.${member} is not available in feature code (Microvium's Promise has only \`new Promise(executor)\`)`, hint);
    },
    AwaitExpression(path) {
      const arg = path.node.argument;
      if (t.isLiteral(arg) || t.isArrayExpression(arg) || t.isObjectExpression(arg) || t.isIdentifier(arg, { name: "undefined" })) {
        ctx.fail(path.node, "await of a value that is not a promise is not supported in feature code", "Microvium can await only promises (an async function's result or new Promise(...)); use the value directly");
      }
    },
  });
}
