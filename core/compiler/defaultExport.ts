import fs from "node:fs";
import ts from "typescript";
import { FeatureCompileError, type SourceLocation } from "./errors";

export const DEFAULT_EXPORT_PROBLEM = "default exports are not supported in feature code";
export const DEFAULT_EXPORT_HINT = "use a named export, e.g. `export function App(api) { ... }`";

/** Refuses the entry's default export at the line that writes it. The lowering refuses the
 * bundle's `export { App as default }` too, but esbuild writes that line itself, so the source
 * map leads nowhere: the entry's own text says where. `file` is how errors name the entry. */
export function refuseDefaultExport(entryPath: string, file: string): never {
  throw new FeatureCompileError(DEFAULT_EXPORT_PROBLEM, defaultExportLocation(entryPath, file), DEFAULT_EXPORT_HINT);
}

/** `export default ...` (a declaration or an expression) or `export { x as default }` /
 * `export { default } from "..."` in the module's own statements. */
function defaultExportLocation(entryPath: string, file: string): SourceLocation | undefined {
  const source = ts.createSourceFile(entryPath, fs.readFileSync(entryPath, "utf8"), ts.ScriptTarget.Latest, true);
  for (const statement of source.statements) {
    const node = defaultExportIn(statement);
    if (!node) continue;
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return { file, line: line + 1, column: character + 1 };
  }
  return undefined;
}

function defaultExportIn(statement: ts.Statement): ts.Node | undefined {
  if (ts.isExportAssignment(statement) && !statement.isExportEquals) return statement;
  const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
  if (modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) && modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return statement;
  if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
    return statement.exportClause.elements.find((e) => e.name.text === "default");
  }
  return undefined;
}
