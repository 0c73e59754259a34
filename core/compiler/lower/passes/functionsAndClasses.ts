import traverse from "@babel/traverse";
import * as t from "@babel/types";
import { at } from "../build";
import type { LoweringContext } from "../context";

/** Microvium compiles class declarations but not class expressions, and no named function
 * expressions. esbuild turns every bundled class into `var C = class { ... }`, so this matters
 * for all classes. Object method shorthand becomes a property holding a function expression,
 * which keeps `this` = the object the method is called on. */
export function lowerFunctionsAndClasses(ast: t.File, _ctx: LoweringContext): void {
  traverse(ast, {
    ClassExpression(path) {
      const decl = path.parentPath;
      // `var C = class {}` / `let C = class X {}` → `class C {}` when C is never reassigned:
      // a class declaration binds the same name with the same (block) visibility.
      if (decl.isVariableDeclarator() && t.isIdentifier(decl.node.id) && decl.parentPath.isVariableDeclaration() && decl.parentPath.node.declarations.length === 1) {
        const name = decl.node.id.name;
        const binding = decl.scope.getBinding(name);
        const declaration = decl.parentPath;
        const container = declaration.parentPath;
        if (binding?.constant && (container.isProgram() || container.isBlockStatement())) {
          const inner = path.node.id;
          // Stryker disable next-line ConditionalExpression: renaming a name to itself changes nothing
          if (inner && inner.name !== name) path.scope.rename(inner.name, name);
          // Stryker disable next-line LogicalOperator: decorators don't parse (no Babel plugin for them), so there are none: undefined and null both mean none
          const cls = at(t.classDeclaration(t.identifier(name), null, path.node.body, path.node.decorators ?? null), declaration.node);
          binding.scope.removeOwnBinding(name); // the class declaration registers it anew
          declaration.replaceWith(cls);
          return;
        }
      }
      // Anywhere else: declare it inside an arrow function and return it.
      const name = path.node.id?.name ?? path.scope.generateUid("Class");
      // Stryker disable next-line LogicalOperator: decorators don't parse (no Babel plugin for them), so there are none: undefined and null both mean none
      const cls = t.classDeclaration(t.identifier(name), null, path.node.body, path.node.decorators ?? null);
      path.replaceWith(at(iife(cls, name), path.node));
    },
    FunctionExpression(path) {
      const id = path.node.id;
      if (!id) return;
      const binding = path.scope.getOwnBinding(id.name);
      if (!binding || binding.referencePaths.length === 0) {
        // The name is only decoration: drop it.
        path.node.id = null;
        return;
      }
      // A recursive function expression: bind the name with a const inside an arrow function.
      const fn = t.functionExpression(null, path.node.params, path.node.body, path.node.generator, path.node.async);
      const body = t.blockStatement([t.variableDeclaration("const", [t.variableDeclarator(t.identifier(id.name), fn)]), t.returnStatement(t.identifier(id.name))]);
      path.replaceWith(at(t.callExpression(t.arrowFunctionExpression([], body), []), path.node));
    },
    ObjectMethod(path) {
      const node = path.node;
      const fn = at(t.functionExpression(null, node.params, node.body, node.generator, node.async), node);
      path.replaceWith(at(t.objectProperty(node.key, fn, node.computed), node));
    },
  });
}

function iife(declaration: t.Statement, name: string): t.CallExpression {
  return t.callExpression(t.arrowFunctionExpression([], t.blockStatement([declaration, t.returnStatement(t.identifier(name))])), []);
}
