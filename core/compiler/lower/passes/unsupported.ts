import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import type { LoweringContext } from "../context";
import { DEFAULT_EXPORT_HINT, DEFAULT_EXPORT_PROBLEM } from "../../defaultExport";

/** Constructs that can't be rewritten into anything Microvium runs. Checked first, on the
 * untouched input, so each error points at exactly what the author wrote. One message per
 * construct plus a one-line suggestion. */
export function rejectUnsupported(ast: t.File, ctx: LoweringContext): void {
  const fail = (path: NodePath, message: string, hint: string): never => ctx.fail(path.node, message, hint);
  const failNumberLikeName = (path: NodePath, name: NumberLikeName): never => {
    const hint = `use a name that isn't a number, e.g. "k${name.value}", or an array, or a Map`;
    return name.kind === "number"
      ? fail(path, `a number as a property name (${name.text}) is not supported in feature code: on the device, Object.keys and JSON.stringify see a number ({${name.value}:...}, not JSON) or the engine fails`, hint)
      : fail(path, `a property name of digits (${name.text}) is not supported in feature code: the device engine fails on it (Microvium error 12)`, hint);
  };
  const failArrayToString = (path: NodePath, where: string): never =>
    fail(path, `an array in ${where} is not supported in feature code: Microvium doesn't turn an array into a string ([1] + [2] gives NaN, "a" + [2] gives "a[Object]" on the device)`, 'convert it first: xs.join(",") or String(xs)');
  traverse(ast, {
    RegExpLiteral(path) {
      fail(path, "regular expressions are not supported in feature code", "use string methods instead: indexOf, includes, startsWith, split, replace with a string pattern");
    },
    BigIntLiteral(path) {
      fail(path, "BigInt is not supported in feature code", "use number (integers are exact up to 2^53)");
    },
    TaggedTemplateExpression(path) {
      fail(path, "tagged template literals are not supported in feature code", "call the function with the template's parts, or use a plain template literal");
    },
    Function(path) {
      const node = path.node;
      if (node.generator && node.async) fail(path, "async generators are not supported in feature code", "return an array, or take a callback that receives each item");
      if (node.generator) fail(path, "generators (function*) are not supported in feature code", "return an array of the items, or take a callback that receives each item");
    },
    ObjectProperty(path) {
      const { key, computed } = path.node;
      const name = numberLikeName(key, computed);
      // A pattern's key is a read: a number reads like xs[3] and works, digits fail as o["3"] does.
      if (name && !(path.parentPath.isObjectPattern() && name.kind === "number")) failNumberLikeName(path.get("key") as NodePath, name);
    },
    ObjectMethod(path) {
      const name = numberLikeName(path.node.key, path.node.computed);
      if (name) failNumberLikeName(path.get("key") as NodePath, name);
      if (path.node.kind !== "method") fail(path, `${path.node.kind === "get" ? "getters" : "setters"} are not supported in feature code`, `use a method instead, e.g. ${path.node.kind === "get" ? "getX()" : "setX(value)"}`);
    },
    ClassMethod(path) {
      const node = path.node;
      if (node.kind === "get" || node.kind === "set") fail(path, `class ${node.kind === "get" ? "getters" : "setters"} are not supported in feature code`, `use a method instead, e.g. ${node.kind === "get" ? "getX()" : "setX(value)"}`);
      if (node.async) fail(path, "async methods in classes are not supported in feature code", "use a field holding an async arrow function (`load = async () => { ... }`) or a module-level async function");
      if (node.computed) fail(path, "computed class member names are not supported in feature code", "give the method a plain name");
      const name = numberLikeName(node.key, false);
      if (name) failNumberLikeName(path.get("key") as NodePath, name);
    },
    ClassProperty(path) {
      if (path.node.computed) fail(path, "computed class member names are not supported in feature code", "give the field a plain name");
      const name = numberLikeName(path.node.key, false);
      if (name) failNumberLikeName(path.get("key") as NodePath, name);
    },
    "MemberExpression|OptionalMemberExpression"(path) {
      const node = path.node as t.MemberExpression | t.OptionalMemberExpression;
      // A number (xs[3]) is an array index and works; only a string of digits fails.
      const name = node.computed ? numberLikeName(node.property, true) : undefined;
      if (name?.kind === "digits")
        fail(path.get("property") as NodePath, `a member name of digits (${name.text}) is not supported in feature code: the device engine fails on it (Microvium error 12)`, `index an array with a number (xs[${name.value}]); give an object's members names that aren't numbers, e.g. "k${name.value}"`);
    },
    BinaryExpression(path) {
      if (path.node.operator !== "+") return;
      for (const side of [path.get("left"), path.get("right")] as NodePath[]) if (isArray(side)) failArrayToString(side, "+");
    },
    AssignmentExpression(path) {
      // The target can't be an array isArray sees: a name it accepts is never assigned.
      if (path.node.operator === "+=" && isArray(path.get("right"))) failArrayToString(path.get("right"), "+=");
    },
    TemplateLiteral(path) {
      for (const part of path.get("expressions") as NodePath[]) if (isArray(part)) failArrayToString(part, "a template literal");
    },
    // Stryker disable next-line BlockStatement: PrivateName below reports a private field with the same message at the same place (the field starts with its name)
    ClassPrivateProperty(path) {
      fail(path, "private class members (#name) are not supported in feature code", "use a normal field; TypeScript's `private` keyword works");
    },
    ClassPrivateMethod(path) {
      fail(path, "private class members (#name) are not supported in feature code", "use a normal method; TypeScript's `private` keyword works");
    },
    PrivateName(path) {
      fail(path, "private class members (#name) are not supported in feature code", "use a normal field; TypeScript's `private` keyword works");
    },
    StaticBlock(path) {
      fail(path, "static initialization blocks are not supported in feature code", "put the code after the class declaration");
    },
    Class(path) {
      if (path.node.superClass) fail(path.get("superClass") as NodePath, "class inheritance (extends) is not supported in feature code", "compose instead: keep an instance of the other class in a field and call it");
    },
    Super(path) {
      fail(path, "super is not supported in feature code", "compose instead of inheriting: call the other object's method directly");
    },
    LabeledStatement(path) {
      fail(path, "labeled statements are not supported in feature code", "use a flag variable to leave the outer loop, or move the loops into a function and return");
    },
    TryStatement(path) {
      if (path.node.finalizer) fail(path.get("finalizer") as NodePath, "finally blocks are not supported in feature code", "run the cleanup at the end of the try block and in the catch block");
    },
    UnaryExpression(path) {
      if (path.node.operator === "delete") fail(path, "the delete operator is not supported in feature code", "set the property to undefined, or build a new object without it");
    },
    MetaProperty(path) {
      const { meta, property } = path.node;
      fail(path, `${meta.name}.${property.name} is not supported in feature code`, meta.name === "new" ? "pass what you need as a constructor argument" : "feature code is bundled into one module; there is no module metadata at run time");
    },
    Import(path) {
      // Stryker disable next-line LogicalOperator: a call always has a parent, and import( starts where its callee does: the same position either way
      fail(path.parentPath ?? path, "dynamic import() is not supported in feature code", "import the module statically at the top of the file");
    },
    ForOfStatement(path) {
      if (path.node.await) fail(path, "for await...of is not supported in feature code", "await each promise inside an ordinary loop");
    },
    ExportDefaultDeclaration(path) {
      fail(path, DEFAULT_EXPORT_PROBLEM, DEFAULT_EXPORT_HINT);
    },
    ExportAllDeclaration(path) {
      fail(path, "export * is not supported in feature code", "export the names you need explicitly");
    },
    ImportDeclaration(path) {
      fail(path, `import of "${path.node.source.value}" was not bundled`, "feature code can import only other feature files; they are bundled into one module");
    },
    ExportSpecifier(path) {
      const exported = path.node.exported;
      const name = t.isIdentifier(exported) ? exported.name : exported.value;
      if (name === "default") fail(path, DEFAULT_EXPORT_PROBLEM, DEFAULT_EXPORT_HINT);
      if (!t.isValidIdentifier(name)) fail(path, `export name "${name}" is not an identifier`, "export under a plain identifier name");
    },
  });
}

/** A property name the device engine can't hold as JavaScript does (Microvium 8, toPropertyName in
 * microvium.c: names are interned strings or integers 0..8191). A number stays a number: Object.keys
 * gives numbers and JSON.stringify writes {3:8}; any other number (1.5, -1, 8192) fails with a type
 * or range error. A string of digits ("3", "03") always fails with a type error (error 12). The
 * compile-time VM gives JavaScript's results, so only the device goes wrong; hence the refusal.
 * Other strings ("-1", "1.5", "1e3", " 3") are ordinary names and work. */
interface NumberLikeName {
  kind: "number" | "digits";
  /** As written, for the message. */
  text: string;
  /** Its value as a name, for the suggestion. */
  value: string;
}

const DIGITS = /^[0-9]+$/;

function numberLikeName(key: t.Node, computed: boolean): NumberLikeName | undefined {
  const raw = (node: t.Node, fallback: string): string => (node.extra?.raw as string | undefined) ?? fallback;
  if (t.isStringLiteral(key)) return DIGITS.test(key.value) ? { kind: "digits", text: raw(key, JSON.stringify(key.value)), value: key.value } : undefined;
  if (t.isNumericLiteral(key)) return { kind: "number", text: raw(key, String(key.value)), value: String(key.value) };
  if (!computed) return undefined;
  if (t.isTemplateLiteral(key) && key.expressions.length === 0) {
    const value = key.quasis[0].value.cooked;
    return value !== undefined && value !== null && DIGITS.test(value) ? { kind: "digits", text: `\`${value}\``, value } : undefined;
  }
  if (t.isUnaryExpression(key) && (key.operator === "-" || key.operator === "+") && t.isNumericLiteral(key.argument)) {
    const value = String(key.operator === "-" ? -key.argument.value : key.argument.value);
    return { kind: "number", text: key.operator + raw(key.argument, String(key.argument.value)), value };
  }
  return undefined;
}

/** An array literal, or a name bound once to one (`const xs = [1]`, never reassigned): what the
 * lowering can tell is an array without following values through the program. */
function isArray(path: NodePath): boolean {
  if (path.isArrayExpression()) return true;
  if (!path.isIdentifier()) return false;
  const binding = path.scope.getBinding(path.node.name);
  return !!binding?.constant && binding.path.isVariableDeclarator() && t.isArrayExpression(binding.path.node.init);
}
