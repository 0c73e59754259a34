import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { stdlibCatalog } from "../../../runtime/stdlib/catalog";
import type { LoweringContext } from "../context";

/** Globals every snapfleet VM has without the standard library: Microvium's own builtins, the
 * host interop functions and the runtime's value guard. */
export const VM_GLOBALS = new Set(["undefined", "NaN", "Infinity", "Promise", "Reflect", "Number", "vmImport", "vmExport", "__sf_readValue"]);

/** Namespaces whose members are installed one by one (core/runtime/stdlib). */
export const STDLIB_NAMESPACES = new Set(["Math", "Object", "JSON", "Array", "Number", "Date"]);

/** Namespaces that exist only for their members here: a bare use (`new Date()`, `Date(...)`,
 * passing `Date` around) would reach a plain object, not what JavaScript has. */
const MEMBERS_ONLY: Record<string, string> = {
  Date: "only Date.now() is available (milliseconds since 1970; on a device from the supervisor's clock); keep times as numbers and format them yourself",
};

const BUILTIN_MEMBERS: Record<string, string[]> = { Number: ["isNaN"], Reflect: ["ownKeys"] };

const HOST_ONLY = "feature code runs inside the Microvium engine (device, dashboard, server); reach hardware, network and time through api";
const HINTS: Record<string, string> = {
  console: "use api.log(message)",
  setTimeout: "use api.mcu.setTimeout(callback, ms)",
  setInterval: "use api.mcu.setInterval(callback, ms)",
  clearTimeout: "use api.mcu.clearTimer(handle)",
  clearInterval: "use api.mcu.clearTimer(handle)",
  arguments: "use a rest parameter: function f(...args)",
  eval: "code can't be evaluated at run time; write the code directly",
  Function: "write a function expression instead",
  Symbol: "use string keys",
  WeakMap: "use a Map (it holds its keys strongly)",
  WeakSet: "use a Set (it holds its items strongly)",
};
for (const name of ["Proxy", "RegExp", "Intl", "Uint8Array", "ArrayBuffer", "DataView", "BigInt"]) {
  HINTS[name] = "use arrays and plain objects instead";
}
for (const name of ["globalThis", "window", "self", "global", "document", "process", "require", "module", "exports", "fetch", "XMLHttpRequest", "WebSocket", "performance", "Buffer"]) {
  HINTS[name] = HOST_ONLY;
}

/** Every global the feature reads must exist in the VM, otherwise Microvium refuses the whole
 * module ("missing required globals") without saying where. Report it here, at the use, and
 * check namespace members (Math.foo) against what the standard library provides.
 * `typeof x` of a global that doesn't exist becomes "undefined", as in JavaScript. */
export function checkGlobals(ast: t.File, ctx: LoweringContext): void {
  const catalog = stdlibCatalog();
  const stdlibGlobals = new Set<string>();
  for (const piece of catalog.values()) for (const name of piece.exports) stdlibGlobals.add(name);

  traverse(ast, {
    ReferencedIdentifier(path) {
      const node = path.node;
      // Stryker disable next-line ConditionalExpression: feature code has no JSX, the only other kind of referenced identifier
      if (!t.isIdentifier(node)) return;
      const name = node.name;
      if (path.scope.hasBinding(name, true)) return;
      const parent = path.parent;
      const known = VM_GLOBALS.has(name) || stdlibGlobals.has(name) || STDLIB_NAMESPACES.has(name);
      if (!known) {
        if (t.isUnaryExpression(parent, { operator: "typeof" })) {
          path.parentPath.replaceWith(t.stringLiteral("undefined"));
          return;
        }
        ctx.fail(node, `"${name}" is not available in feature code`, HINTS[name] ?? "declare it in your code, or use what api and the standard library provide (see README \"What feature code may use\")");
      }
      const membersOnly = MEMBERS_ONLY[name];
      // Stryker disable next-line ObjectLiteral: as a member expression's property the name is a reference only when computed, refused either way
      if (membersOnly !== undefined && !(t.isMemberExpression(parent, { object: node }) && !parent.computed)) {
        const available = [...catalog.keys()].filter((k) => k.startsWith(`${name}.`));
        ctx.fail(node, `${name} can only be used through its members in feature code (${available.join(", ")})`, membersOnly);
      }
      const members = BUILTIN_MEMBERS[name];
      const isNamespace = STDLIB_NAMESPACES.has(name) || members !== undefined;
      // Library functions and classes (String, Error, parseInt, ...) have no members here:
      // Microvium can't read properties of a function.
      if (!isNamespace && stdlibGlobals.has(name) && t.isMemberExpression(parent, { object: node })) {
        const member = t.isIdentifier(parent.property) && !parent.computed ? `.${parent.property.name}` : "[...]";
        ctx.fail(parent, `${name}${member} is not available in feature code`, `${name} can only be called here; functions have no properties in Microvium`);
      }
      // Stryker disable next-line ObjectLiteral: as a member expression's property the name is a reference only when computed, skipped either way
      if (isNamespace && t.isMemberExpression(parent, { object: node }) && !parent.computed && t.isIdentifier(parent.property)) {
        const member = parent.property.name;
        if (!catalog.has(`${name}.${member}`) && !members?.includes(member)) {
          const available = [...catalog.keys()].filter((k) => k.startsWith(`${name}.`)).concat((members ?? []).map((m) => `${name}.${m}`));
          ctx.fail(parent, `${name}.${member} is not available in feature code`, `available: ${available.sort().join(", ")}`);
        }
      }
    },
  });
}
