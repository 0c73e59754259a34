import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at } from "../build";
import type { LoweringContext } from "../context";
import { COMPILER_BUG_HINT } from "../../errors";

/** `var` the way JavaScript means it: one variable per function (or module), undefined from
 * the start, kept across later declarations. Microvium differs: it runs a bare `var x;` as
 * `x = undefined` (esbuild turns a top-level `{ var v = 4 }` into `v = 4; ... var v;`, losing
 * the 4), resets such a var on every pass of a loop, and doesn't see a var declared in a catch
 * block from the rest of the function. So each function (and the module) declares its vars
 * once, at the start, and every other declaration becomes plain assignments:
 *   function f() { g(); for (var i = 0; i < 3; i++) { var a; a = (a || 0) + i; } }
 *   → function f() { var i, a; g(); for (i = 0; i < 3; i++) { a = (a || 0) + i; } }
 * A declaration that already is the first statement-level declaration of all its names in the
 * function body, with a value for each, stays as it is (no extra code on the device). Names that
 * are also parameters or function declarations are not declared again (JavaScript keeps their
 * value; Microvium would reset it or refuse the duplicate). Runs after loops and destructuring,
 * so every declarator binds a plain name. */
export function hoistVars(ast: t.File, ctx: LoweringContext): void {
  traverse(ast, {
    Program(path) {
      hoistIn(path, ctx);
    },
    Function(path) {
      hoistIn(path, ctx);
    },
  });
}

function hoistIn(path: NodePath<t.Program | t.Function>, ctx: LoweringContext): void {
  const body = path.isProgram() ? path.node.body : path.isFunction() && t.isBlockStatement(path.node.body) ? path.node.body.body : undefined;
  if (!body) return;
  const declarations = ownVarDeclarations(path);
  // Stryker disable next-line ConditionalExpression: a shortcut; without declarations nothing below changes the tree
  if (declarations.length === 0) return;

  const alreadyBound = new Set<string>();
  if (path.isFunction()) for (const p of path.node.params) for (const name of Object.keys(t.getBindingIdentifiers(p))) alreadyBound.add(name);
  for (const s of body) if (t.isFunctionDeclaration(s) && s.id) alreadyBound.add(s.id.name);

  const declared = new Set<string>();
  const toDeclare: t.Identifier[] = [];
  for (const declaration of declarations) {
    const names = declaration.node.declarations.map((d) => {
      if (!t.isIdentifier(d.id)) return ctx.fail(d, "internal: a var declaration still destructures after lowering", COMPILER_BUG_HINT);
      return d.id.name;
    });
    const statement = declaration.parentPath.isExportNamedDeclaration() ? declaration.parentPath : declaration;
    // Stryker disable next-line OptionalChaining: a declaration always has a parent
    const staysAsIs = statement.parentPath?.node === (path.isProgram() ? path.node : path.node.body) && declaration.node.declarations.every((d) => d.init) && names.every((n) => !declared.has(n) && !alreadyBound.has(n));
    for (const [k, name] of names.entries()) {
      if (declared.has(name) || alreadyBound.has(name)) continue;
      declared.add(name);
      if (!staysAsIs) toDeclare.push(at(t.identifier(name), declaration.node.declarations[k].id));
    }
    if (staysAsIs) continue;
    if (statement !== declaration) ctx.fail(declaration.node, "an exported var is declared twice", "declare it once, at the top level");
    replaceWithAssignments(declaration);
  }
  if (toDeclare.length) {
    const hoisted = t.variableDeclaration("var", toDeclare.map((id) => at(t.variableDeclarator(id), id)));
    body.unshift(at(hoisted, toDeclare[0]));
  }
}

/** The function's (or module's) own `var` declarations in source order, not those of nested
 * functions. */
function ownVarDeclarations(path: NodePath<t.Program | t.Function>): NodePath<t.VariableDeclaration>[] {
  const found: NodePath<t.VariableDeclaration>[] = [];
  path.traverse({
    Function(inner) {
      inner.skip();
    },
    VariableDeclaration(declaration) {
      if (declaration.node.kind === "var") found.push(declaration);
    },
  });
  return found;
}

/** `var a = 1, b, c = f()` → `a = 1; c = f();` (nothing when no declarator has a value). */
function replaceWithAssignments(declaration: NodePath<t.VariableDeclaration>): void {
  const assignments = declaration.node.declarations.filter((d) => d.init).map((d) => at(t.assignmentExpression("=", t.cloneNode(d.id as t.Identifier), d.init!), d));
  const parent = declaration.parentPath;
  if (parent.isForStatement() && declaration.key === "init") {
    // Microvium needs every part of a for head (see loops.ts).
    parent.node.init = assignments.length === 0 ? t.numericLiteral(0) : assignments.length === 1 ? assignments[0] : t.sequenceExpression(assignments);
    return;
  }
  // Stryker disable next-line all: for...in/of are for loops by now (loops.ts runs first); kept so the pass stands on its own
  if (parent.isForXStatement() && declaration.key === "left") {
    parent.node.left = t.cloneNode(declaration.node.declarations[0].id as t.Identifier);
    return;
  }
  const statements = assignments.map((a) => at(t.expressionStatement(a), a));
  // Stryker disable next-line ConditionalExpression: either branch gives the same program: Babel puts several statements in a block where one statement stands, and a block in a list runs the same
  if (Array.isArray(declaration.container)) {
    if (statements.length) declaration.replaceWithMultiple(statements);
    else declaration.remove();
  } else {
    declaration.replaceWith(statements.length === 1 ? statements[0] : t.blockStatement(statements));
  }
}
