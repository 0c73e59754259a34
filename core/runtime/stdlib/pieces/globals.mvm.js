// Global functions and the small namespaces feature code commonly reaches for: String(x),
// Boolean, parseInt, Number.isInteger, Array.isArray, Object.keys/values/entries/assign,
// JSON.stringify. `Number` itself is Microvium's builtin object (it has isNaN); it can't be
// made callable, so the lowering turns `Number(x)` into `+x` and a bare `Number` into
// __sf_toNumber.

//# piece String needs internal:toStr
export function String(x) {
  return toStr(x);
}

//# piece Boolean
export function Boolean(x) {
  return !!x;
}

//# piece __sf_toNumber
export function __sf_toNumber(x) {
  return +x;
}

//# piece parseInt needs host:ParseInt
export function parseInt(s, radix) {
  return h_ParseInt(s, radix);
}

//# piece parseFloat needs host:ParseFloat
export function parseFloat(s) {
  return h_ParseFloat(s);
}

//# piece isNaN
export function isNaN(x) {
  const n = +x;
  return n !== n;
}

//# piece isFinite
export function isFinite(x) {
  const n = +x;
  return n === n && n !== Infinity && n !== -Infinity;
}

//# piece Number.isInteger
// `!(f > 0 || f < 0)` rather than `f === 0` here and below: the native engine finds -0 !== 0.
Number.isInteger = function (x) {
  const f = x % 1;
  return typeof x === "number" && x === x && x !== Infinity && x !== -Infinity && !(f > 0 || f < 0);
};

//# piece Number.isFinite
Number.isFinite = function (x) {
  return typeof x === "number" && x === x && x !== Infinity && x !== -Infinity;
};

//# piece Number.isSafeInteger
Number.isSafeInteger = function (x) {
  const f = x % 1;
  return typeof x === "number" && !(f > 0 || f < 0) && x <= 9007199254740991 && x >= -9007199254740991;
};

//# piece Number.parseFloat needs host:ParseFloat
Number.parseFloat = function (s) {
  return h_ParseFloat(s);
};

//# piece Number.parseInt needs host:ParseInt
Number.parseInt = function (s, radix) {
  return h_ParseInt(s, radix);
};

//# piece Number.MAX_SAFE_INTEGER
Number.MAX_SAFE_INTEGER = 9007199254740991;

//# piece Number.MIN_SAFE_INTEGER
Number.MIN_SAFE_INTEGER = -9007199254740991;

//# piece Number.EPSILON
Number.EPSILON = 2.220446049250313e-16;

//# piece Array
export const Array = {};

//# piece Array.isArray needs Array internal:isArray
Array.isArray = isArray;

//# piece Array.from needs Array internal:isArray internal:charsOf
// Array.from(arrayOrStringOrArrayLike, mapFn)
Array.from = function (src, f) {
  let items = src;
  if (typeof src === "string") items = charsOf(src);
  const out = [];
  const n = items === null || items === undefined ? 0 : items.length;
  for (let i = 0; i < n; i++) out.push(f === undefined ? items[i] : f(items[i], i));
  return out;
};

//# piece Object
export const Object = {};

//# piece Object.keys needs Object __sf_keys
Object.keys = __sf_keys;

//# piece Object.values needs Object __sf_keys
Object.values = function (o) {
  const keys = __sf_keys(o);
  const out = [];
  for (let i = 0; i < keys.length; i++) out.push(o[keys[i]]);
  return out;
};

//# piece Object.entries needs Object __sf_keys
Object.entries = function (o) {
  const keys = __sf_keys(o);
  const out = [];
  for (let i = 0; i < keys.length; i++) out.push([keys[i], o[keys[i]]]);
  return out;
};

//# piece Object.assign needs Object __sf_assign
// Two arguments; the lowering nests calls with more sources.
Object.assign = __sf_assign;

//# piece Object.fromEntries needs Object
Object.fromEntries = function (entries) {
  const out = {};
  for (let i = 0; i < entries.length; i++) out[entries[i][0]] = entries[i][1];
  return out;
};

//# piece JSON
export const JSON = {};

//# piece JSON.stringify needs JSON internal:isArray host:JsonQuote host:PrimToString
// No replacer or indentation. Numbers and strings are formatted by the host, so the text is the
// same on every engine.
JSON.stringify = function (v) {
  return jsonValue(v, false);
};
function jsonValue(v, inArray) {
  if (v === null) return "null";
  if (typeof v === "string") return h_JsonQuote(v);
  if (typeof v === "number") return v === v && v !== Infinity && v !== -Infinity ? h_PrimToString(v) : "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === undefined || typeof v === "function") return inArray ? "null" : undefined;
  if (isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out = out + ",";
      out = out + jsonValue(v[i], true);
    }
    return out + "]";
  }
  const keys = Reflect.ownKeys(v);
  let out = "{";
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const item = jsonValue(v[keys[i]], false);
    if (item !== undefined) {
      out = out + (first ? "" : ",") + h_JsonQuote(keys[i]) + ":" + item;
      first = false;
    }
  }
  return out + "}";
}

//# piece JSON.parse needs JSON SyntaxError host:JsonParse
// The host parses (hostFunctions.ts) and the value comes back through the runtime's value reader,
// the one incoming channel messages use (core/runtime/vm/runtime.mvm.js, global __sf_readTokens).
// A parser in the VM would read the text one host call per character (no property reads on
// strings here) and cost about a kilobyte of bytecode; this costs a few dozen bytes and runs at
// native speed on every host. Bad input throws here, in the VM, so the feature can catch it.
JSON.parse = function (text) {
  const problem = h_JsonParse(text);
  if (problem !== undefined) throw new SyntaxError(problem);
  return __sf_readTokens();
};

//# piece Date
// Only Date.now(): the lowering refuses every other use of Date (core/compiler/lower/passes/globals.ts).
export const Date = {};

//# piece Date.now needs Date host:Now
// Milliseconds since 1970 from the host: the supervisor's clock on a device, the host's clock on
// the web, the server and at build time.
Date.now = h_Now;
