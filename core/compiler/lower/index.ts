import { parse } from "@babel/parser";
import traverse from "@babel/traverse";
import generate, { type GeneratorOptions } from "@babel/generator";
import type * as t from "@babel/types";
import { LoweringContext } from "./context";
import { LoweringError } from "./errors";
import { COMPILER_BUG_HINT } from "../errors";
import { rejectUnsupported } from "./passes/unsupported";
import { checkGlobals } from "./passes/globals";
import { rejectUnsupportedPromiseUse } from "./passes/promises";
import { lowerEsbuildNamespaces } from "./passes/esbuildNamespaces";
import { lowerIterables } from "./passes/iterables";
import { lowerFunctionsAndClasses } from "./passes/functionsAndClasses";
import { lowerRestParameters } from "./passes/restParameters";
import { lowerParameters } from "./passes/parameters";
import { lowerLoops } from "./passes/loops";
import { lowerLoopControl } from "./passes/loopControl";
import { lowerDestructuring } from "./passes/destructuring";
import { hoistVars } from "./passes/varHoisting";
import { lowerOptionalChaining } from "./passes/optionalChaining";
import { lowerNullish } from "./passes/nullish";
import { lowerOperators } from "./passes/operators";
import { lowerAssignmentOrder } from "./passes/assignmentOrder";
import { lowerVariadicCalls } from "./passes/variadicCalls";
import { guardValueReads } from "./passes/valueGuard";
import { lowerPrimitiveMembers } from "./passes/primitiveMembers";
import { lowerSpread } from "./passes/spread";
import { lowerObjectLiterals } from "./passes/objectLiterals";
import { lowerExportLists } from "./passes/exports";
import { removeEmptyStatements } from "./passes/statements";
import { lowerSequences } from "./passes/sequences";
import { collectUsedStdlib } from "./usedStdlib";

export { LoweringError } from "./errors";

export interface LowerOptions {
  /** Name of the generated file (the source map's `file`, and Babel's for its messages). */
  filename: string;
  /** esbuild's source map of the bundle: the output map then points at the author's .ts files. */
  inputSourceMap?: object;
  /** Route every read of `.value` through __sf_readValue (web and server targets). */
  guardValueReads?: boolean;
}

export interface Lowered {
  code: string;
  map: object;
  /** Standard library pieces the code uses; pass to installStdlib (core/runtime/stdlib). */
  usedStdlib: string[];
}

type Pass = (ast: t.File, ctx: LoweringContext) => void;

/** In order. Checks run on the untouched input so errors point at what the author wrote; each
 * later pass may rely on the constructs earlier ones removed (e.g. destructuring runs after
 * parameters and loops turned their patterns into declarations, and var hoisting after it so
 * every declarator binds a plain name; the value guard and string
 * members run after destructuring produced plain member reads; sequences go last because the
 * other passes create them). */
const PASSES: Pass[] = [
  rejectUnsupported,
  rejectUnsupportedPromiseUse,
  lowerEsbuildNamespaces,
  checkGlobals,
  lowerIterables,
  lowerFunctionsAndClasses,
  lowerRestParameters,
  lowerParameters,
  lowerLoops,
  lowerLoopControl,
  lowerDestructuring,
  hoistVars,
  lowerOptionalChaining,
  lowerNullish,
  lowerOperators,
  lowerAssignmentOrder,
  lowerVariadicCalls,
  guardValueReads,
  lowerPrimitiveMembers,
  lowerSpread,
  lowerObjectLiterals,
  lowerExportLists,
  removeEmptyStatements,
  lowerSequences,
];

/** Rewrites an esbuild ESM bundle into the JavaScript subset Microvium compiles, keeping its
 * meaning. Throws LoweringError (with the input position) for what can't be rewritten. */
export function lowerForMicrovium(code: string, opts: LowerOptions): Lowered {
  let ast: t.File;
  try {
    ast = parse(code, { sourceType: "module", sourceFilename: opts.filename });
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    throw new LoweringError(`could not parse the bundle: ${err.message}`, err.loc?.line ?? 0, err.loc?.column ?? 0, `the bundle is esbuild's output; ${COMPILER_BUG_HINT}`);
  }
  const ctx = new LoweringContext(opts.guardValueReads ?? false);
  for (const pass of PASSES) {
    // Each pass crawls fresh scopes: earlier passes added bindings (temporaries) and moved code.
    traverse.cache.clear();
    pass(ast, ctx);
  }
  traverse.cache.clear();
  const usedStdlib = collectUsedStdlib(ast);
  const generatorOptions = { sourceMaps: true, sourceFileName: opts.filename, comments: false, inputSourceMap: opts.inputSourceMap } as GeneratorOptions;
  const out = generate(ast, generatorOptions, code);
  if (!out.map) throw new Error("internal: Babel generated no source map");
  return { code: out.code, map: { ...out.map, file: opts.filename }, usedStdlib };
}
