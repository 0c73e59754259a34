// Strings and number formatting. Microvium throws on any property read of a string and formats
// floats differently per engine, so the lowering turns `x.length`, `x[i]` and string method calls
// into these helpers whenever x might be a string; the work is done by host functions
// (hostIds.ts). The uniform one-line helpers (__sf_str_indexOf, ...) are generated from
// ../primitiveMembers.ts; the ones here need more than one host call.

//# piece internal:toStr needs host:PrimToString
// String(x) for any value, the same text on every engine.
function toStr(x) {
  if (typeof x === "string") return x;
  if (typeof x === "number" || typeof x === "boolean" || x === undefined || x === null) return h_PrimToString(x);
  if (typeof x === "function") return "function";
  if (x.push === [].push) {
    let out = "";
    for (let i = 0; i < x.length; i++) {
      if (i > 0) out = out + ",";
      if (x[i] !== null && x[i] !== undefined) out = out + toStr(x[i]);
    }
    return out;
  }
  if (typeof x.toString === "function") return x.toString();
  return "[object Object]";
}

//# piece __sf_len needs host:StrLen
export function __sf_len(x) {
  return typeof x === "string" ? h_StrLen(x) : x.length;
}

//# piece __sf_at needs host:StrIndex internal:isArray
// x[i] where x might be a string, or i might not be an index of array x: Microvium throws for
// negative, fractional and out-of-range array indices where JS reads undefined.
export function __sf_at(x, i) {
  if (typeof x === "string") return h_StrIndex(x, i);
  if (typeof i === "number" && isArray(x)) {
    const f = i % 1;
    // `f > 0 || f < 0` rather than `f !== 0`: the native engine finds -0 !== 0.
    if (!(i >= 0 && i < x.length) || f > 0 || f < 0) return undefined;
  }
  return x[i];
}

//# piece __sf_str_toString needs internal:toStr host:PrimToString
export function __sf_str_toString(x, radix) {
  if (typeof x === "number" && radix !== undefined) return h_PrimToString(x, radix);
  if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") return toStr(x);
  return x.toString(radix);
}

//# piece __sf_str_split needs host:StrLen host:StrIndexOf host:StrSlice internal:charsOf
// s.split(separator, limit) with a string separator (no regular expressions in feature code).
export function __sf_str_split(s, sep, limit) {
  if (typeof s !== "string") return s.split(sep, limit);
  const max = limit === undefined ? 4294967295 : limit;
  const out = [];
  if (max === 0) return out;
  if (sep === undefined) {
    out.push(s);
    return out;
  }
  if (sep === "") {
    const chars = charsOf(s);
    for (let i = 0; i < chars.length && out.length < max; i++) out.push(chars[i]);
    return out;
  }
  const sepLen = h_StrLen(sep);
  let start = 0;
  let at = h_StrIndexOf(s, sep, 0);
  while (at >= 0 && out.length < max) {
    out.push(h_StrSlice(s, start, at));
    start = at + sepLen;
    at = h_StrIndexOf(s, sep, start);
  }
  if (out.length < max) out.push(h_StrSlice(s, start));
  return out;
}
