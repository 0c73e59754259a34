import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

/** Which halves of the object/array codec the device snapshot needs. The device snapshot has a
 * 2 KB budget and the codec costs about 440 B (encoder ~270, decoder ~140, ~30 shared), so each
 * half is left out when the feature sources show that only numbers, strings, booleans and null
 * cross the channels in its direction. A half left out is replaced by a refusal: an object sent
 * or received anyway is a clear run-time error (runtime.mvm.js, E_OBJECT_ON_PRIMITIVE_CHANNEL). */
export interface DeviceChannelCodec {
  /** The device may send an object or array (pushMessageToServer). */
  encode: boolean;
  /** The device may receive one (a "messageFromServer" listener). */
  decode: boolean;
}

export const FULL_CODEC: DeviceChannelCodec = { encode: true, decode: true };

const API_NAMES = ["newCommsChannel", "pushMessageToServer", "sendToDevice", "addEventListener"] as const;
type ApiName = (typeof API_NAMES)[number];

/** Decides from the TypeScript type checker, over the files esbuild bundled, what the device's
 * channels carry. Users rarely write `newCommsChannel<number>(...)`, so a channel's type is what
 * they declared when they did, and otherwise what their code passes and listens for:
 * - encode is left out when every `x.pushMessageToServer(v)` has a `v` whose type (or the
 *   channel's declared type) is primitive;
 * - decode is left out when every `x.sendToDevice(v)` is primitive the same way, and every
 *   listener that may hear "messageFromServer" is on a channel declared primitive, or has a
 *   parameter annotated with a primitive type, or is on a channel (the same variable or property)
 *   that the app itself sends down on. A channel the app never sends down on may be fed by the
 *   user's own services (the `down` topic is a deployment output), so its decoder stays.
 * Everything else errs on the side of keeping the codec: `any`/unknown/generic values, a channel
 * declared with an object type, the API methods read without being called directly (passed
 * around, destructured, read by a string key), files that can't be read.
 *
 * Cost: a type-checker program per build. The TypeScript library files and snapfleet's API types
 * are parsed once per process, and the previous program is reused (`snapfleet dev` rebuilds);
 * measured in bench/compile.bench.ts. */
export function deviceChannelCodec(files: readonly string[]): DeviceChannelCodec {
  const sources = featureSources(files);
  if (!sources) return FULL_CODEC; // not a file on disk (a virtual module): can't tell
  const mentioning = [...sources].filter(([, text]) => API_NAMES.some((name) => text.includes(name)));
  if (mentioning.length === 0) return { encode: false, decode: false }; // no channel traffic at all
  // Declared types are taken at their word: when every channel has a primitive type argument,
  // the checker (whose first run in a process parses TypeScript's library) isn't needed.
  if (everyChannelDeclaredPrimitive(mentioning)) return { encode: false, decode: false };

  // The checker failing on some input must not fail the build: the whole codec is always right.
  return withTypeProgram(sources, FULL_CODEC, (program) => {
    const analysis = new ChannelTraffic(program.getTypeChecker(), program.getSourceFile(FEATURE_API_TYPES));
    for (const [file] of mentioning) {
      const source = program.getSourceFile(file);
      if (!source) return FULL_CODEC;
      analysis.visit(source);
    }
    return analysis.result();
  });
}

/** `use` of the type program over `sources`, or `fallback` (the answer that is always right)
 * when the checker fails on some input. */
export function withTypeProgram<T>(sources: Map<string, string>, fallback: T, use: (program: ts.Program) => T): T {
  try {
    return use(typeProgram(sources));
  } catch {
    previousProgram = undefined;
    return fallback;
  }
}

const SCRIPT = /\.(?:[cm]?[jt]sx?)$/;

/** The text of the bundle's script files by absolute path; undefined when one isn't on disk. */
export function featureSources(files: readonly string[]): Map<string, string> | undefined {
  const sources = new Map<string, string>();
  for (const file of files) {
    if (!SCRIPT.test(file)) continue; // esbuild inputs may include JSON and other loaders
    try {
      sources.set(path.resolve(file), fs.readFileSync(file, "utf8"));
    } catch {
      return undefined;
    }
  }
  return sources;
}

/** Where `import type { ... } from "snapfleet"` resolves for the checker: the feature API types
 * alone (the TypeScript source in a checkout, its declaration file in an installed package), not
 * the package's index, which would pull in Pulumi's types and cost seconds. */
export const FEATURE_API_TYPES = [path.join(__dirname, "../api/featureApi.ts"), path.join(__dirname, "../api/featureApi.d.ts")].find((f) => fs.existsSync(f)) ?? path.join(__dirname, "../api/featureApi.d.ts");

const OPTIONS: ts.CompilerOptions = {
  noEmit: true,
  allowJs: true,
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // The language only: feature code runs in Microvium, with no DOM or Node globals.
  lib: ["lib.es2022.d.ts"],
  types: [],
  skipLibCheck: true,
};

/** The last program's files as parsed, by content: TypeScript's library and the API types are
 * parsed once per process, a feature file again only when it changed. */
const parsed = new Map<string, { text: string; source: ts.SourceFile }>();
let previousProgram: ts.Program | undefined;

function typeProgram(sources: Map<string, string>): ts.Program {
  const host = ts.createCompilerHost(OPTIONS, true);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => sources.get(path.resolve(file)) ?? readFile(file);
  host.getSourceFile = (file, languageVersion) => {
    const text = host.readFile(file);
    if (text === undefined) return undefined;
    const cached = parsed.get(file);
    if (cached?.text === text) return cached.source;
    const source = ts.createSourceFile(file, text, languageVersion, true);
    parsed.set(file, { text, source });
    return source;
  };
  host.resolveModuleNameLiterals = (literals, containingFile) =>
    literals.map((literal) =>
      literal.text === "snapfleet"
        ? { resolvedModule: { resolvedFileName: FEATURE_API_TYPES, extension: FEATURE_API_TYPES.endsWith(".d.ts") ? ts.Extension.Dts : ts.Extension.Ts, isExternalLibraryImport: false } }
        : ts.resolveModuleName(literal.text, containingFile, OPTIONS, host),
    );
  previousProgram = ts.createProgram({ rootNames: [...sources.keys()], options: OPTIONS, host, oldProgram: previousProgram });
  // Keep only this program's files, so a long `snapfleet dev` session doesn't collect old ones.
  const inUse = new Set(previousProgram.getSourceFiles().map((f) => f.fileName));
  for (const file of parsed.keys()) if (!inUse.has(file)) parsed.delete(file);
  return previousProgram;
}

const PRIMITIVE_FLAGS = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Never;
const GENERIC_FLAGS = ts.TypeFlags.TypeParameter | ts.TypeFlags.IndexedAccess | ts.TypeFlags.Conditional | ts.TypeFlags.Substitution;

/** Walks the feature files once, then answers. */
class ChannelTraffic {
  private encode = false;
  private decode = false;
  /** Receivers (variable, parameter or property symbols) of `sendToDevice` calls. */
  private readonly sentDownOn = new Set<ts.Symbol>();
  /** Receivers of listeners that may hear "messageFromServer" and need a sender in the app. */
  private readonly heardOn: (ts.Symbol | undefined)[] = [];
  private readonly undeclared: ts.Type | undefined;

  constructor(
    private readonly checker: ts.TypeChecker,
    apiTypes: ts.SourceFile | undefined,
  ) {
    // A channel created without a type argument has the default T, ChannelValue.
    const alias = apiTypes && checker.getSymbolAtLocation(apiTypes)?.exports?.get(ts.escapeLeadingUnderscores("ChannelValue"));
    this.undeclared = alias && checker.getDeclaredTypeOfSymbol(alias);
    if (!this.undeclared) this.encode = this.decode = true;
  }

  result(): DeviceChannelCodec {
    const decode = this.decode || this.heardOn.some((receiver) => receiver === undefined || !this.sentDownOn.has(receiver));
    return { encode: this.encode, decode };
  }

  visit(node: ts.Node): void {
    if ((ts.isIdentifier(node) || ts.isPrivateIdentifier(node) || ts.isStringLiteralLike(node)) && (API_NAMES as readonly string[]).includes(node.text)) {
      this.mention(node, node.text as ApiName);
    }
    ts.forEachChild(node, (child) => this.visit(child));
  }

  private mention(name: ts.Node, api: ApiName): void {
    if (declaresMember(name)) return; // a member of an interface or of the user's own object, not a use
    const call = directCall(name);
    if (!call) {
      // Passed around, destructured, read by a string key: its values can't be followed.
      if (api === "newCommsChannel" || api === "pushMessageToServer") this.encode = true;
      if (api !== "pushMessageToServer") this.decode = true;
      return;
    }
    switch (api) {
      case "newCommsChannel":
        return this.channelDeclared(call);
      case "pushMessageToServer":
        if (!this.sendsPrimitive(call)) this.encode = true;
        return;
      case "sendToDevice": {
        if (!this.sendsPrimitive(call)) this.decode = true;
        const receiver = receiverSymbol(this.checker, call);
        if (receiver) this.sentDownOn.add(receiver);
        return;
      }
      case "addEventListener":
        return this.listens(call);
    }
  }

  /** `api.newCommsChannel<T>(...)`: a T spelled out (or given by the variable's type) that may
   * be an object keeps the whole codec; the default T says nothing, its uses decide. */
  private channelDeclared(call: ts.CallExpression): void {
    const channel = this.checker.getTypeAtLocation(call);
    const isReference = (channel.flags & ts.TypeFlags.Object) !== 0 && ((channel as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0;
    const t = isReference ? this.checker.getTypeArguments(channel as ts.TypeReference)[0] : undefined;
    if (t === undefined || (t !== this.undeclared && !this.primitive(t))) this.encode = this.decode = true;
  }

  /** The value sent is primitive by the channel's declared type or by its own type. */
  private sendsPrimitive(call: ts.CallExpression): boolean {
    const value = call.arguments[0];
    if (value === undefined) return true; // sends undefined
    if (ts.isSpreadElement(value)) return false;
    // The value's own type first: it rarely needs the call's signature resolved.
    return this.primitive(this.checker.getTypeAtLocation(value)) || this.primitive(this.parameterType(call, 0));
  }

  private listens(call: ts.CallExpression): void {
    const [event, listener] = call.arguments;
    if (event === undefined || listener === undefined) return; // refused at build time
    if (ts.isStringLiteralLike(event) && event.text !== "messageFromServer") return; // as written: no checker work
    const eventType = this.checker.getTypeAtLocation(event);
    if (eventType.isStringLiteral() && eventType.value !== "messageFromServer") return; // not the device's event
    // The channel's declared type, as the listener's parameter.
    const heard = this.parameterType(call, 1);
    const signature = heard && this.checker.getSignaturesOfType(heard, ts.SignatureKind.Call)[0];
    if (signature?.parameters[0] && this.primitive(this.checker.getTypeOfSymbol(signature.parameters[0]))) return;
    // The listener's own annotation: `(on: boolean) => ...`.
    const annotated = (ts.isArrowFunction(listener) || ts.isFunctionExpression(listener)) && listener.parameters[0]?.type;
    if (annotated && this.primitive(this.checker.getTypeFromTypeNode(annotated))) return;
    this.heardOn.push(receiverSymbol(this.checker, call));
  }

  private parameterType(call: ts.CallExpression, index: number): ts.Type | undefined {
    const parameter = this.checker.getResolvedSignature(call)?.parameters[index];
    return parameter && this.checker.getTypeOfSymbol(parameter);
  }

  private primitive(type: ts.Type | undefined): boolean {
    return primitiveType(this.checker, type);
  }
}

/** Only numbers, strings, booleans, null or undefined; `any`, `unknown` and objects are not. */
export function primitiveType(checker: ts.TypeChecker, type: ts.Type | undefined): boolean {
  if (type === undefined) return false;
  if (type.flags & GENERIC_FLAGS) {
    const constraint = checker.getBaseConstraintOfType(type);
    return constraint !== undefined && constraint !== type && primitiveType(checker, constraint);
  }
  if (type.isUnion()) return type.types.every((t) => primitiveType(checker, t));
  if (type.isIntersection()) return type.types.some((t) => (t.flags & PRIMITIVE_FLAGS) !== 0); // a branded number is a number
  return (type.flags & PRIMITIVE_FLAGS) !== 0;
}

/** Every mention of `newCommsChannel` (at least one) is a call `x.newCommsChannel<T>(...)` whose T
 * is spelled as number, string, boolean, a literal, or a union of them. Syntax only. */
function everyChannelDeclaredPrimitive(sources: [string, string][]): boolean {
  let channels = 0;
  const declaredPrimitive = (node: ts.Node): boolean => {
    if ((ts.isIdentifier(node) || ts.isStringLiteralLike(node) || ts.isPrivateIdentifier(node)) && node.text === "newCommsChannel") {
      const call = directCall(node);
      channels++;
      return call?.typeArguments?.length === 1 && primitiveTypeNode(call.typeArguments[0]);
    }
    return ts.forEachChild(node, (child) => (declaredPrimitive(child) ? undefined : true)) !== true;
  };
  return sources.every(([file, text]) => declaredPrimitive(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true))) && channels > 0;
}

function primitiveTypeNode(type: ts.TypeNode): boolean {
  switch (type.kind) {
    case ts.SyntaxKind.NumberKeyword:
    case ts.SyntaxKind.StringKeyword:
    case ts.SyntaxKind.BooleanKeyword:
      return true;
  }
  if (ts.isLiteralTypeNode(type)) return true; // "on", 3, true, null
  if (ts.isParenthesizedTypeNode(type)) return primitiveTypeNode(type.type);
  if (ts.isUnionTypeNode(type)) return type.types.every(primitiveTypeNode);
  return false;
}

/** `receiver.name(...)`, also `receiver?.name(...)`. */
export function directCall(name: ts.Node): ts.CallExpression | undefined {
  const access = name.parent;
  if (!access || !ts.isPropertyAccessExpression(access) || access.name !== name) return undefined;
  const call = access.parent;
  return call && ts.isCallExpression(call) && call.expression === access ? call : undefined;
}

export function declaresMember(name: ts.Node): boolean {
  const parent = name.parent;
  return (
    (ts.isMethodSignature(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent)) &&
    parent.name === name
  );
}

/** The variable, parameter or property the call's receiver names: two calls on the same one
 * are on the same channel. */
function receiverSymbol(checker: ts.TypeChecker, call: ts.CallExpression): ts.Symbol | undefined {
  let receiver: ts.Expression = (call.expression as ts.PropertyAccessExpression).expression;
  while (ts.isParenthesizedExpression(receiver) || ts.isNonNullExpression(receiver)) receiver = receiver.expression;
  const named = ts.isPropertyAccessExpression(receiver) ? receiver.name : ts.isIdentifier(receiver) ? receiver : undefined;
  let symbol = named && checker.getSymbolAtLocation(named);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return symbol;
}
