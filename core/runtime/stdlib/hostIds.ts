import { HostId } from "../hostIds";

/** Host functions of the in-VM standard library, ids 100-149 (HostId.StdlibBase). The VM can't
 * compute these itself: it has no string primitives beyond `+` and `===` (any property read on a
 * string throws), prints floats differently on each engine, and has no libm. Every host (compile-time
 * VM, device, browser, server) registers the same table (stdlibHostFunctions), so a snapshot built
 * once runs everywhere. Deployed snapshots depend on these numbers: add, never renumber. */
export enum StdlibHostId {
  StrLen = HostId.StdlibBase, // 100
  /** s[i]: undefined outside the string, like JS indexing. */
  StrIndex = 101,
  StrCharAt = 102,
  StrCharCodeAt = 103,
  StrIndexOf = 104,
  StrLastIndexOf = 105,
  StrIncludes = 106,
  StrSlice = 107,
  StrSubstring = 108,
  StrToUpperCase = 109,
  StrToLowerCase = 110,
  StrTrim = 111,
  StrTrimStart = 112,
  StrTrimEnd = 113,
  StrStartsWith = 114,
  StrEndsWith = 115,
  StrPadStart = 116,
  StrPadEnd = 117,
  StrRepeat = 118,
  StrReplace = 119,
  StrReplaceAll = 120,
  StrAt = 121,
  /** Code-unit comparison → -1 | 0 | 1 (the VM's own `<` on strings is broken). */
  StrCompare = 122,
  NumToFixed = 123,
  /** String(primitive) or n.toString(radix), formatted the same on every host. */
  PrimToString = 124,
  ParseInt = 125,
  ParseFloat = 126,
  /** JSON.stringify of a string (quoting and escapes). */
  JsonQuote = 127,
  MathRandom = 128,
  MathSqrt = 129,
  MathCbrt = 130,
  MathLog = 131,
  MathLog2 = 132,
  MathLog10 = 133,
  MathExp = 134,
  MathSin = 135,
  MathCos = 136,
  MathTan = 137,
  MathAsin = 138,
  MathAcos = 139,
  MathAtan = 140,
  MathAtan2 = 141,
  MathFloor = 142,
  MathCeil = 143,
  MathRound = 144,
  MathTrunc = 145,
  /** JSON.parse(text): the value is queued on the host→VM token stream (HostId.TokenInKind) and
   * the result is undefined; bad input gives the message instead and queues nothing. */
  JsonParse = 146,
}
