import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import type { LoweringContext } from "../context";

/** Constructs that can't be rewritten into anything Microvium runs. Checked first, on the
 * untouched input, so each error points at exactly what the author wrote. One message per
 * construct plus a one-line suggestion. */
export function rejectUnsupported(ast: t.File, ctx: LoweringContext): void {
  const fail = (path: NodePath, message: string, hint: string): never => ctx.fail(path.node, message, hint);
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
    ObjectMethod(path) {
      if (path.node.kind !== "method") fail(path, `${path.node.kind === "get" ? "getters" : "setters"} are not supported in feature code`, `use a method instead, e.g. ${path.node.kind === "get" ? "getX()" : "setX(value)"}`);
    },
    ClassMethod(path) {
      const node = path.node;
      if (node.kind === "get" || node.kind === "set") fail(path, `class ${node.kind === "get" ? "getters" : "setters"} are not supported in feature code`, `use a method instead, e.g. ${node.kind === "get" ? "getX()" : "setX(value)"}`);
      if (node.async) fail(path, "async methods in classes are not supported in feature code", "use a field holding an async arrow function (`load = async () => { ... }`) or a module-level async function");
      if (node.computed) fail(path, "computed class member names are not supported in feature code", "give the method a plain name");
    },
    ClassProperty(path) {
      if (path.node.computed) fail(path, "computed class member names are not supported in feature code", "give the field a plain name");
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
      fail(path, "default exports are not supported in feature code", "use a named export, e.g. `export function App(api) { ... }`");
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
      if (name === "default") fail(path, "default exports are not supported in feature code", "use a named export, e.g. `export function App(api) { ... }`");
      if (!t.isValidIdentifier(name)) fail(path, `export name "${name}" is not an identifier`, "export under a plain identifier name");
    },
  });
}
