import traverse, { type NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { at } from "../build";
import type { LoweringContext } from "../context";

/** Two loop forms Microvium 8 can't handle:
 * - `continue` ("Not supported: continue statement"): a per-iteration flag instead. `continue`
 *   sets it, the statements after the point where it may have been set run only if it isn't,
 *   and the loop's update and test run as usual:
 *     for (...) { a(); if (x) continue; b(); }
 *     → for (...) { let _continue = false; a(); if (x) _continue = true; if (!_continue) { b(); } }
 *   Inside a `switch`, `continue` also leaves the switch with `break`.
 * - do...while compiles, but snapshotting it fails inside Microvium's bytecode encoder, so
 *     do body while (test)  →  while (true) { body; if (!(test)) break; }
 * Runs after for...of/in became for loops. */
export function lowerLoopControl(ast: t.File, _ctx: LoweringContext): void {
  traverse(ast, {
    Loop: {
      exit(path: NodePath<t.Loop>) {
        const node = path.node;
        if (hasOwnContinue(node.body)) {
          const flag = path.scope.generateUidIdentifier("continue");
          const rewritten = rewriteList(t.isBlockStatement(node.body) ? node.body.body : [node.body], flag, false);
          node.body = t.blockStatement([t.variableDeclaration("let", [t.variableDeclarator(flag, t.booleanLiteral(false))]), ...rewritten]);
        }
        if (t.isDoWhileStatement(node)) {
          const body = t.isBlockStatement(node.body) ? node.body.body : [node.body];
          const exit = t.ifStatement(t.unaryExpression("!", node.test), t.breakStatement());
          path.replaceWith(at(t.whileStatement(t.booleanLiteral(true), t.blockStatement([...body, exit])), node));
        }
      },
    },
  });
}

/** Does `node` contain a `continue` of the loop around it (not one of a nested loop or function)? */
function hasOwnContinue(node: t.Node): boolean {
  if (t.isContinueStatement(node)) return true;
  // Only saves a walk: loops are rewritten on exit, innermost first, so a nested loop's or
  // function's continue is already a flag assignment here, and a class holds only functions.
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent (see above)
  if (t.isFunction(node) || t.isLoop(node) || t.isClass(node)) return false;
  // Stryker disable next-line ArrayDeclaration: every node type has visitor keys
  for (const key of t.VISITOR_KEYS[node.type] ?? []) {
    const child = (node as unknown as Record<string, unknown>)[key];
    const children = Array.isArray(child) ? child : [child];
    for (const c of children) {
      // Stryker disable next-line ConditionalExpression: visitor keys hold only nodes, node lists and null
      if (c && typeof c === "object" && typeof (c as t.Node).type === "string" && hasOwnContinue(c as t.Node)) return true;
    }
  }
  return false;
}

function rewriteList(statements: t.Statement[], flag: t.Identifier, inSwitch: boolean): t.Statement[] {
  const out: t.Statement[] = [];
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i];
    if (!hasOwnContinue(s)) {
      out.push(s);
      continue;
    }
    out.push(...rewriteStatement(s, flag, inSwitch));
    const rest = statements.slice(i + 1);
    // Stryker disable next-line ConditionalExpression: with nothing after the continue, the `if (!flag) {}` it would add does nothing
    if (rest.length) out.push(t.ifStatement(t.unaryExpression("!", t.cloneNode(flag)), t.blockStatement(rewriteList(rest, flag, inSwitch))));
    break;
  }
  return out;
}

function rewriteStatement(s: t.Statement, flag: t.Identifier, inSwitch: boolean): t.Statement[] {
  if (t.isContinueStatement(s)) {
    const set = at(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(flag), t.booleanLiteral(true))), s);
    return inSwitch ? [set, t.breakStatement()] : [set];
  }
  if (t.isBlockStatement(s)) return [t.blockStatement(rewriteList(s.body, flag, inSwitch))];
  if (t.isIfStatement(s)) {
    // Through rewriteList: a branch without a continue (`if (x) continue; else n++;`) stays as it is.
    const branch = (b: t.Statement) => t.blockStatement(rewriteList([b], flag, inSwitch));
    return [t.ifStatement(s.test, branch(s.consequent), s.alternate ? branch(s.alternate) : null)];
  }
  if (t.isTryStatement(s)) {
    const handler = s.handler ? t.catchClause(s.handler.param, t.blockStatement(rewriteList(s.handler.body.body, flag, inSwitch))) : null;
    return [t.tryStatement(t.blockStatement(rewriteList(s.block.body, flag, inSwitch)), handler, s.finalizer)];
  }
  if (t.isSwitchStatement(s)) {
    return [t.switchStatement(s.discriminant, s.cases.map((c) => t.switchCase(c.test, rewriteList(c.consequent, flag, true))))];
  }
  throw new Error(`internal: continue inside ${s.type}`);
}
