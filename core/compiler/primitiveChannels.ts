import fs from "node:fs";
import ts from "typescript";

/** Whether every channel of the app is declared to carry primitives only: each mention of
 * `newCommsChannel` in the feature sources is a call `x.newCommsChannel<T>(...)` whose T is
 * number, string, boolean, null, a literal of those, or a union of them. Then the device never
 * needs to stream objects or arrays (sending one needs a cast, and the device runtime refuses it
 * with a clear error), and the build leaves the object codec out of the device snapshot.
 * Anything else (no type argument, an object or aliased type, the method passed around or read
 * by a string key, plain JavaScript) keeps the codec: the answer errs on the side of "no". */
export function channelsCarryPrimitivesOnly(files: readonly string[]): boolean {
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      return false; // not a file on disk (a virtual module): can't tell
    }
    if (!text.includes("newCommsChannel")) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    if (!everyMentionIsPrimitiveCall(source)) return false;
  }
  return true;
}

function everyMentionIsPrimitiveCall(node: ts.Node): boolean {
  if ((ts.isIdentifier(node) || ts.isStringLiteralLike(node) || ts.isPrivateIdentifier(node)) && node.text === "newCommsChannel") {
    return isPrimitiveChannelCall(node);
  }
  return ts.forEachChild(node, (child) => (everyMentionIsPrimitiveCall(child) ? undefined : true)) !== true;
}

function isPrimitiveChannelCall(name: ts.Node): boolean {
  const access = name.parent;
  if (!access || !ts.isPropertyAccessExpression(access) || access.name !== name) return false;
  const call = access.parent;
  if (!call || !ts.isCallExpression(call) || call.expression !== access) return false;
  return call.typeArguments?.length === 1 && isPrimitiveType(call.typeArguments[0]);
}

function isPrimitiveType(type: ts.TypeNode): boolean {
  switch (type.kind) {
    case ts.SyntaxKind.NumberKeyword:
    case ts.SyntaxKind.StringKeyword:
    case ts.SyntaxKind.BooleanKeyword:
      return true;
  }
  if (ts.isLiteralTypeNode(type)) return true; // "on", 3, true, null
  if (ts.isParenthesizedTypeNode(type)) return isPrimitiveType(type.type);
  if (ts.isUnionTypeNode(type)) return type.types.every(isPrimitiveType);
  return false;
}
