import { StdlibHostId } from "./hostIds";

/** Members that exist on strings (and numbers) in JavaScript but that Microvium can't read: any
 * property access on a string throws there. The lowering (core/compiler/lower) rewrites
 * `x.length`, `x[i]` and calls of these methods into helpers whenever x might be a string; the
 * helpers call the host for strings and fall back to the ordinary member for anything else
 * (arrays, user objects). One table serves both sides so they can't drift apart. */

/** `x.length` → __sf_len(x) */
export const LENGTH_HELPER = "__sf_len";
/** `x[i]` → __sf_at(x, i) */
export const INDEX_HELPER = "__sf_at";

export interface PrimitiveMethod {
  /** Which primitive receiver the host function handles. */
  receiver: "string" | "number";
  /** Number of arguments the method takes (extra ones are dropped: Microvium can't count them). */
  arity: 0 | 1 | 2;
  /** The host function; undefined for the hand-written helpers in pieces/string.mvm.js. */
  host?: StdlibHostId;
}

export const PRIMITIVE_METHODS: ReadonlyMap<string, PrimitiveMethod> = new Map<string, PrimitiveMethod>([
  ["charAt", { receiver: "string", arity: 1, host: StdlibHostId.StrCharAt }],
  ["charCodeAt", { receiver: "string", arity: 1, host: StdlibHostId.StrCharCodeAt }],
  ["indexOf", { receiver: "string", arity: 2, host: StdlibHostId.StrIndexOf }],
  ["lastIndexOf", { receiver: "string", arity: 2, host: StdlibHostId.StrLastIndexOf }],
  ["includes", { receiver: "string", arity: 2, host: StdlibHostId.StrIncludes }],
  ["slice", { receiver: "string", arity: 2, host: StdlibHostId.StrSlice }],
  ["substring", { receiver: "string", arity: 2, host: StdlibHostId.StrSubstring }],
  ["toUpperCase", { receiver: "string", arity: 0, host: StdlibHostId.StrToUpperCase }],
  ["toLowerCase", { receiver: "string", arity: 0, host: StdlibHostId.StrToLowerCase }],
  ["trim", { receiver: "string", arity: 0, host: StdlibHostId.StrTrim }],
  ["trimStart", { receiver: "string", arity: 0, host: StdlibHostId.StrTrimStart }],
  ["trimEnd", { receiver: "string", arity: 0, host: StdlibHostId.StrTrimEnd }],
  ["startsWith", { receiver: "string", arity: 2, host: StdlibHostId.StrStartsWith }],
  ["endsWith", { receiver: "string", arity: 2, host: StdlibHostId.StrEndsWith }],
  ["padStart", { receiver: "string", arity: 2, host: StdlibHostId.StrPadStart }],
  ["padEnd", { receiver: "string", arity: 2, host: StdlibHostId.StrPadEnd }],
  ["repeat", { receiver: "string", arity: 1, host: StdlibHostId.StrRepeat }],
  ["replace", { receiver: "string", arity: 2, host: StdlibHostId.StrReplace }],
  ["replaceAll", { receiver: "string", arity: 2, host: StdlibHostId.StrReplaceAll }],
  ["at", { receiver: "string", arity: 1, host: StdlibHostId.StrAt }],
  ["localeCompare", { receiver: "string", arity: 1, host: StdlibHostId.StrCompare }],
  ["toFixed", { receiver: "number", arity: 1, host: StdlibHostId.NumToFixed }],
  ["split", { receiver: "string", arity: 2 }],
  ["toString", { receiver: "number", arity: 1 }],
]);

/** The global helper a call of `name` is routed through. */
export function primitiveMethodHelper(name: string): string {
  return `__sf_str_${name}`;
}
