import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { stdlibCatalog } from "../../runtime/stdlib/catalog";
import { STDLIB_NAMESPACES } from "./passes/globals";

/** The standard library pieces the lowered code uses, read off its AST so unused pieces are never
 * installed (and so never land in the snapshot):
 *   a global library name (String, Error, __sf_len, ...)       → that piece
 *   Math.floor (a namespace member)                             → "Math.floor"; the bare namespace → all its members
 *   any `.name` where Array.prototype.name exists (x.map, ...)  → "Array.prototype.map"
 * Array methods are matched by name because the receiver's type is unknown: a user object with
 * its own `map` costs an unneeded piece, never a missing one. */
export function collectUsedStdlib(ast: t.File): string[] {
  const catalog = stdlibCatalog();
  const globals = new Map<string, string>();
  for (const piece of catalog.values()) for (const name of piece.exports) globals.set(name, piece.name);
  const used = new Set<string>();
  const addNamespace = (ns: string) => {
    if (catalog.has(ns)) used.add(ns);
    for (const name of catalog.keys()) if (name.startsWith(`${ns}.`)) used.add(name);
  };

  traverse(ast, {
    ReferencedIdentifier(path) {
      const node = path.node;
      if (!t.isIdentifier(node) || path.scope.hasBinding(node.name, true)) return;
      const name = node.name;
      const parent = path.parent;
      if (STDLIB_NAMESPACES.has(name)) {
        if (t.isMemberExpression(parent, { object: node }) && !parent.computed && t.isIdentifier(parent.property)) {
          const member = `${name}.${parent.property.name}`;
          if (catalog.has(member)) used.add(member);
        } else {
          addNamespace(name);
        }
        return;
      }
      const piece = globals.get(name);
      if (piece) used.add(piece);
    },
    MemberExpression(path) {
      const node = path.node;
      const name = !node.computed && t.isIdentifier(node.property) ? node.property.name : t.isStringLiteral(node.property) ? node.property.value : undefined;
      if (name !== undefined && catalog.has(`Array.prototype.${name}`)) used.add(`Array.prototype.${name}`);
    },
  });
  return [...used].sort();
}
