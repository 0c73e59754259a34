import traverse, { type NodePath, type Scope } from "@babel/traverse";
import * as t from "@babel/types";
import { at } from "../build";
import type { LoweringContext } from "../context";

/** Export lists (`export { a, b as c }`, which ends every esbuild bundle) crash Microvium's
 * compiler; `export function` / `export const` declarations work. So:
 *   a local exported under its own name → its declaration gets `export` (a live binding)
 *   `a as c`  → whatever else in the module is called c is renamed out of the way (esbuild
 *               renames an entry's own App to App2 when an imported module also has an App:
 *               composition), then a is renamed to c and exported as above; when a is also
 *               exported under another name, `export const c = a;` where the list was (a
 *               snapshot of the value)
 * Declarations with several declarators are split so only the exported names are marked. */
export function lowerExportLists(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    Program(path) {
      const program = path.scope;
      const lists = path.node.body.filter((s): s is t.ExportNamedDeclaration => t.isExportNamedDeclaration(s) && !s.declaration && !s.source);

      const exportedNames = new Set<string>();
      const aliases = new Map<t.ExportNamedDeclaration, t.Statement[]>();
      for (const list of lists) {
        const statements: t.Statement[] = [];
        for (const spec of list.specifiers) {
          if (!t.isExportSpecifier(spec)) return ctx.fail(spec, "unsupported export form", "use `export function` or `export const`");
          // Read after earlier renames: spec.local is a reference and follows them.
          let local = spec.local.name;
          const exported = t.isIdentifier(spec.exported) ? spec.exported.name : spec.exported.value;
          // The parser already refuses an export of an undeclared name and no pass removes a top-level
          // binding: a guard for a future pass that would.
          // Stryker disable next-line ConditionalExpression: unreachable from source (see above)
          if (!program.hasOwnBinding(local)) ctx.fail(spec, `export of ${local}, which is not declared in the module`, "declare it at the top level of the module");
          if (exported !== local) {
            makeNameFree(path, exported, spec, ctx);
            local = spec.local.name;
            if (!exportedNames.has(local) && !isExportedElsewhere(lists, local, spec)) {
              program.rename(local, exported);
              local = exported;
            }
          }
          if (local === exported && !exportedNames.has(local)) {
            exportedNames.add(local);
          } else {
            statements.push(at(t.exportNamedDeclaration(t.variableDeclaration("const", [t.variableDeclarator(t.identifier(exported), t.identifier(local))])), spec));
          }
        }
        aliases.set(list, statements);
      }

      const body: t.Statement[] = [];
      for (const statement of path.node.body) {
        if (t.isExportNamedDeclaration(statement) && aliases.has(statement)) {
          body.push(...aliases.get(statement)!);
        } else if ((t.isFunctionDeclaration(statement) || t.isClassDeclaration(statement)) && statement.id && exportedNames.has(statement.id.name)) {
          body.push(at(t.exportNamedDeclaration(statement), statement));
        } else if (
          t.isVariableDeclaration(statement) &&
          // Stryker disable next-line ConditionalExpression: splitting a declaration that exports none of its names gives it back as it was
          statement.declarations.some((d) => t.isIdentifier(d.id) && exportedNames.has(d.id.name))
        ) {
          body.push(...splitDeclaration(statement, exportedNames));
        } else {
          body.push(statement);
        }
      }
      path.node.body = body;
    },
  });
}

/** Renames every binding called `name`, in any scope, to a fresh name, so the export can take
 * it without clashing (top level) or being shadowed (nested scopes). A global read under that
 * name can't be renamed; exporting over it would change what the module reads. */
function makeNameFree(program: NodePath<t.Program>, name: string, spec: t.ExportSpecifier, ctx: LoweringContext): void {
  // rename() renames the binding the scope sees, to a fresh name: the program's goes first, so a
  // nested scope then sees only its own.
  const rename = (scope: Scope) => scope.rename(name);
  rename(program.scope);
  program.traverse({
    Scopable(p) {
      rename(p.scope);
    },
  });
  if (program.scope.hasGlobal(name)) {
    ctx.fail(spec, `the module exports the name ${name} and also reads a global ${name}`, `export it under another name, or don't read the global ${name} in this module`);
  }
}

/** Is `local` also exported by another specifier (then it keeps its name for both)? */
function isExportedElsewhere(lists: t.ExportNamedDeclaration[], local: string, self: t.ExportSpecifier): boolean {
  return lists.some((list) => list.specifiers.some((s) => s !== self && t.isExportSpecifier(s) && s.local.name === local));
}

/** `var a = 1, b = 2, c = 3` with b exported → `var a = 1; export var b = 2; var c = 3;` */
function splitDeclaration(declaration: t.VariableDeclaration, exported: Set<string>): t.Statement[] {
  const out: t.Statement[] = [];
  let group: t.VariableDeclarator[] = [];
  const flush = () => {
    if (group.length) out.push(at(t.variableDeclaration(declaration.kind, group), group[0]));
    group = [];
  };
  for (const d of declaration.declarations) {
    if (t.isIdentifier(d.id) && exported.has(d.id.name)) {
      flush();
      out.push(at(t.exportNamedDeclaration(at(t.variableDeclaration(declaration.kind, [d]), d)), d));
    } else {
      group.push(d);
    }
  }
  flush();
  return out;
}
