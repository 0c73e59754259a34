import type { WireValue } from "../../contracts/wireValue";
import type { TokenReader } from "../valueTokens";
import { StdlibHostId as Id } from "./hostIds";
import { unholdableNameProblem } from "../unholdableNames";
import { jsonSyntaxError, jsonTooDeep } from "./jsonParseErrors";

type HostFn = (...args: any[]) => any;

/** Plain-JS implementations of the standard library's host functions. Arguments arrive as the VM
 * passes them (primitives only: the VM side checks types before calling). `values` is the VM's
 * host→VM token stream (HostId.TokenInKind/TokenInPayload): JSON.parse's value goes back that way. */
export function stdlibHostFunctions(values: Pick<TokenReader, "load">): Record<number, HostFn> {
  const str = (s: unknown) => String(s);
  return {
    [Id.StrLen]: (s: string) => s.length,
    [Id.StrIndex]: (s: string, i: number | string) => s[i as number],
    [Id.StrCharAt]: (s: string, i?: number) => s.charAt(i ?? 0),
    [Id.StrCharCodeAt]: (s: string, i?: number) => s.charCodeAt(i ?? 0),
    [Id.StrIndexOf]: (s: string, search: unknown, from?: number) => s.indexOf(str(search), from),
    [Id.StrLastIndexOf]: (s: string, search: unknown, from?: number) => s.lastIndexOf(str(search), from),
    [Id.StrIncludes]: (s: string, search: unknown, from?: number) => s.includes(str(search), from),
    [Id.StrSlice]: (s: string, start?: number, end?: number) => s.slice(start, end),
    [Id.StrSubstring]: (s: string, start: number, end?: number) => s.substring(start, end),
    [Id.StrToUpperCase]: (s: string) => s.toUpperCase(),
    [Id.StrToLowerCase]: (s: string) => s.toLowerCase(),
    [Id.StrTrim]: (s: string) => s.trim(),
    [Id.StrTrimStart]: (s: string) => s.trimStart(),
    [Id.StrTrimEnd]: (s: string) => s.trimEnd(),
    [Id.StrStartsWith]: (s: string, search: unknown, pos?: number) => s.startsWith(str(search), pos),
    [Id.StrEndsWith]: (s: string, search: unknown, end?: number) => s.endsWith(str(search), end),
    [Id.StrPadStart]: (s: string, len: number, fill?: string) => s.padStart(len, fill === undefined ? undefined : str(fill)),
    [Id.StrPadEnd]: (s: string, len: number, fill?: string) => s.padEnd(len, fill === undefined ? undefined : str(fill)),
    [Id.StrRepeat]: (s: string, n: number) => s.repeat(n),
    [Id.StrReplace]: (s: string, search: unknown, replacement: unknown) => s.replace(str(search), str(replacement)),
    [Id.StrReplaceAll]: (s: string, search: unknown, replacement: unknown) => s.replaceAll(str(search), str(replacement)),
    [Id.StrAt]: (s: string, i?: number) => s.at(i ?? 0),
    [Id.StrCompare]: (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0),
    [Id.NumToFixed]: (n: number, digits?: number) => n.toFixed(digits),
    [Id.PrimToString]: (v: unknown, radix?: number) => (radix === undefined || typeof v !== "number" ? String(v) : v.toString(radix)),
    [Id.ParseInt]: (s: unknown, radix?: number) => parseInt(str(s), radix),
    [Id.ParseFloat]: (s: unknown) => parseFloat(str(s)),
    [Id.JsonQuote]: (s: string) => JSON.stringify(s),
    [Id.MathRandom]: () => Math.random(),
    [Id.MathSqrt]: (x: number) => Math.sqrt(x),
    [Id.MathCbrt]: (x: number) => Math.cbrt(x),
    [Id.MathLog]: (x: number) => Math.log(x),
    [Id.MathLog2]: (x: number) => Math.log2(x),
    [Id.MathLog10]: (x: number) => Math.log10(x),
    [Id.MathExp]: (x: number) => Math.exp(x),
    [Id.MathSin]: (x: number) => Math.sin(x),
    [Id.MathCos]: (x: number) => Math.cos(x),
    [Id.MathTan]: (x: number) => Math.tan(x),
    [Id.MathAsin]: (x: number) => Math.asin(x),
    [Id.MathAcos]: (x: number) => Math.acos(x),
    [Id.MathAtan]: (x: number) => Math.atan(x),
    [Id.MathAtan2]: (y: number, x: number) => Math.atan2(y, x),
    [Id.MathFloor]: (x: number) => positiveZero(Math.floor(x)),
    [Id.MathCeil]: (x: number) => positiveZero(Math.ceil(x)),
    [Id.MathRound]: (x: number) => positiveZero(Math.round(x)),
    [Id.MathTrunc]: (x: number) => positiveZero(Math.trunc(x)),
    [Id.JsonParse]: (text: unknown) => {
      const source = str(text);
      let value: WireValue;
      try {
        value = JSON.parse(source);
      } catch {
        return jsonSyntaxError(source);
      }
      const tooDeep = jsonTooDeep(value, source);
      if (tooDeep !== undefined) return tooDeep;
      // A name the engine can't hold: a SyntaxError the code can catch, not error 12 midway. The
      // load that queues the tokens finds it (one walk) and then queues nothing.
      const unholdable = values.load(value);
      return unholdable === undefined ? undefined : `JSON.parse: ${unholdableNameProblem(unholdable)}`;
    },
  };
}

/** -0 becomes 0: the device engine finds -0 !== 0, so Math.round(-0.4) === 0 would be false
 * there while true in Node. */
function positiveZero(x: number): number {
  return x === 0 ? 0 : x;
}
