import ts from "typescript";
import { declaresMember, directCall, FEATURE_API_TYPES, featureSources, primitiveType, withTypeProgram } from "./primitiveChannels";

/** Whether the device's api.log may be given an object or array, which it then prints as JSON
 * (JSON.stringify from the standard library, runtime.mvm.js logObjectsAsJson). The formatter
 * costs the device snapshot about 610 B (its 2 KB goal), so it is left out when the sources show that
 * every `api.log(v)` gets a number, string, boolean, null or undefined: written as one (a
 * literal, a template, a `+` with a string, a conditional of those) or, when not, typed as one.
 * Calls of another `log` (`Math.log`, the user's own logger) don't count. Everything else keeps
 * the formatter: a value typed `any` or as an object, `log` read without being called (passed
 * around, destructured), files that can't be read, a checker that fails. */
export function deviceLogsObjects(files: readonly string[]): boolean {
  const sources = featureSources(files);
  if (!sources) return true;
  const parsed = [...sources].filter(([, text]) => /\blog\b/.test(text)).map(([file, text]) => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
  const unsure = parsed.flatMap(logCallsNotWrittenAsText);
  if (unsure.length === 0) return false;
  if (unsure.includes(LOG_READ_AS_VALUE)) return true;
  return withTypeProgram(sources, true, (program) => {
    const checker = program.getTypeChecker();
    return unsure.some((call) => {
      const written = call as ts.CallExpression;
      const source = program.getSourceFile(written.getSourceFile().fileName);
      const same = source && findCall(source, written.getStart(), written.end);
      return !same || mayLogObject(checker, same);
    });
  });
}

/** Stands for a mention of `log` that is no direct call. */
const LOG_READ_AS_VALUE = Symbol("log read as a value");

/** The `x.log(v)` calls whose `v` isn't a primitive as written, and LOG_READ_AS_VALUE for a `.log`
 * that isn't called directly. */
function logCallsNotWrittenAsText(source: ts.SourceFile): (ts.CallExpression | typeof LOG_READ_AS_VALUE)[] {
  const found: (ts.CallExpression | typeof LOG_READ_AS_VALUE)[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === "log" && isMemberName(node) && !declaresMember(node)) {
      const call = directCall(node);
      if (!call) found.push(LOG_READ_AS_VALUE);
      else if (!call.arguments.every(writtenAsPrimitive)) found.push(call);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `log` read from an object: `x.log`, or destructured (`const { log } = api`). Not a variable
 * named log, nor the member of an object or class the feature writes. */
function isMemberName(name: ts.Identifier): boolean {
  const parent = name.parent;
  return (ts.isPropertyAccessExpression(parent) && parent.name === name) || (ts.isBindingElement(parent) && (parent.propertyName ?? parent.name) === name);
}

function writtenAsPrimitive(e: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(e)) return writtenAsPrimitive(e.expression);
  if (ts.isStringLiteralLike(e) || ts.isTemplateExpression(e) || ts.isNumericLiteral(e)) return true;
  if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isConditionalExpression(e)) return writtenAsPrimitive(e.whenTrue) && writtenAsPrimitive(e.whenFalse);
  // `"text " + anything` is a string whatever `anything` is.
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return isText(e.left) || isText(e.right);
  return false;
}

function isText(e: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(e)) return isText(e.expression);
  if (ts.isStringLiteralLike(e) || ts.isTemplateExpression(e)) return true;
  return ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken && (isText(e.left) || isText(e.right));
}

/** The call is FeatureApi's log (or can't be told apart from it) and its value may be an object. */
function mayLogObject(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const declaration = checker.getResolvedSignature(call)?.declaration;
  if (declaration && declaration.getSourceFile().fileName !== FEATURE_API_TYPES) return false; // Math.log, the user's own log
  return !call.arguments.every((a) => !ts.isSpreadElement(a) && primitiveType(checker, checker.getTypeAtLocation(a)));
}

/** The call expression at [start, end) in the checker's own parse of the file. */
function findCall(source: ts.SourceFile, start: number, end: number): ts.CallExpression | undefined {
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || node.end < end || node.getStart(source) > start) return;
    if (ts.isCallExpression(node) && node.getStart(source) === start && node.end === end) found = node;
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
