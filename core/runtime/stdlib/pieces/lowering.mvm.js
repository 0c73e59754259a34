// Helpers called by lowered feature code (core/compiler/lower): the syntax Microvium lacks
// (spread, rest, object rest, for-in, `in`, instanceof) becomes calls to these.
// Runs inside Microvium: `===` only, no spread/destructuring/for-of/default parameters, no
// sequence expressions, every `for` has init, test and update, no property reads on strings.
// Each `//# piece` block is installed only when the lowered code uses it (see ../catalog.ts).

//# piece internal:AP
// Arrays share one prototype; methods installed on it are reachable from every array.
const AP = [].__proto__;
const arrayPush = AP.push;

//# piece internal:isArray needs internal:AP
// `typeof [] === "object"` in Microvium too; arrays are recognised by their shared `push`.
function isArray(v) {
  return typeof v === "object" && v !== null && v.push === arrayPush;
}

//# piece internal:typeError
// The library's own errors: an object with name and message, like a TypeError, without needing
// the Error classes (they are installed only when the feature uses them).
function typeError(message) {
  return { name: "TypeError", message: message };
}

//# piece internal:charsOf needs host:StrLen host:StrIndex
function charsOf(s) {
  const out = [];
  const n = h_StrLen(s);
  for (let i = 0; i < n; i++) out.push(h_StrIndex(s, i));
  return out;
}

//# piece __sf_spread needs internal:isArray internal:charsOf internal:typeError
// [...src] and f(...src): appends the items of an array (or the characters of a string).
export function __sf_spread(target, src) {
  if (typeof src === "string") src = charsOf(src);
  if (!isArray(src)) throw typeError("only arrays and strings can be spread in feature code");
  const n = src.length;
  for (let i = 0; i < n; i++) target.push(src[i]);
  return target;
}

//# piece __sf_keys needs internal:isArray
// for-in and Object.keys. Arrays give numeric indices: Microvium arrays can't be indexed by
// the strings "0", "1", ... so string keys would make `arr[k]` read undefined.
export function __sf_keys(o) {
  if (typeof o !== "object" || o === null) return [];
  const out = [];
  if (isArray(o)) {
    for (let i = 0; i < o.length; i++) out.push(i);
    return out;
  }
  const keys = Reflect.ownKeys(o);
  for (let i = 0; i < keys.length; i++) out.push(keys[i]);
  return out;
}

//# piece __sf_assign needs __sf_keys internal:charsOf
// {...src} and Object.assign(target, src): copies own properties.
export function __sf_assign(target, src) {
  if (src === null || src === undefined) return target;
  if (typeof src === "string") src = charsOf(src);
  if (typeof src !== "object") return target;
  const keys = __sf_keys(src);
  for (let i = 0; i < keys.length; i++) target[keys[i]] = src[keys[i]];
  return target;
}

//# piece __sf_objectRest needs __sf_keys
// const { a, ...rest } = src: own properties of src except the named ones.
export function __sf_objectRest(src, excluded) {
  const out = {};
  const keys = __sf_keys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let skip = false;
    for (let j = 0; j < excluded.length; j++) {
      if (excluded[j] === k || "" + excluded[j] === "" + k) skip = true;
    }
    if (!skip) out[k] = src[k];
  }
  return out;
}

//# piece __sf_arrayFrom
// Array rest elements and rest-parameter packing: a copy of src from index `start`.
export function __sf_arrayFrom(src, start) {
  const out = [];
  for (let i = start; i < src.length; i++) out.push(src[i]);
  return out;
}

//# piece __sf_call needs internal:typeError
// f(...args) without Function.prototype.apply: dispatch on the argument count.
export function __sf_call(f, a) {
  const n = a.length;
  if (n === 0) return f();
  if (n === 1) return f(a[0]);
  if (n === 2) return f(a[0], a[1]);
  if (n === 3) return f(a[0], a[1], a[2]);
  if (n === 4) return f(a[0], a[1], a[2], a[3]);
  if (n === 5) return f(a[0], a[1], a[2], a[3], a[4]);
  if (n === 6) return f(a[0], a[1], a[2], a[3], a[4], a[5]);
  if (n === 7) return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
  if (n === 8) return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  throw typeError("at most 8 arguments can be spread into a call in feature code");
}

//# piece __sf_callMethod needs internal:typeError
// o[k](...args), keeping `this` = o.
export function __sf_callMethod(o, k, a) {
  const n = a.length;
  if (n === 0) return o[k]();
  if (n === 1) return o[k](a[0]);
  if (n === 2) return o[k](a[0], a[1]);
  if (n === 3) return o[k](a[0], a[1], a[2]);
  if (n === 4) return o[k](a[0], a[1], a[2], a[3]);
  if (n === 5) return o[k](a[0], a[1], a[2], a[3], a[4]);
  if (n === 6) return o[k](a[0], a[1], a[2], a[3], a[4], a[5]);
  if (n === 7) return o[k](a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
  if (n === 8) return o[k](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  throw typeError("at most 8 arguments can be spread into a call in feature code");
}

//# piece __sf_new needs internal:typeError
// new C(...args)
export function __sf_new(C, a) {
  const n = a.length;
  if (n === 0) return new C();
  if (n === 1) return new C(a[0]);
  if (n === 2) return new C(a[0], a[1]);
  if (n === 3) return new C(a[0], a[1], a[2]);
  if (n === 4) return new C(a[0], a[1], a[2], a[3]);
  if (n === 5) return new C(a[0], a[1], a[2], a[3], a[4]);
  if (n === 6) return new C(a[0], a[1], a[2], a[3], a[4], a[5]);
  throw typeError("at most 6 arguments can be spread into new in feature code");
}

//# piece __sf_callRest needs __sf_arrayFrom internal:typeError
// f(...args) where f has a rest parameter after `fixed` parameters: the lowering changed f to
// take the rest as one array argument, so pass a[0..fixed-1] and then the remainder as an array.
export function __sf_callRest(f, fixed, a) {
  const rest = __sf_arrayFrom(a, fixed);
  if (fixed === 0) return f(rest);
  if (fixed === 1) return f(a[0], rest);
  if (fixed === 2) return f(a[0], a[1], rest);
  if (fixed === 3) return f(a[0], a[1], a[2], rest);
  if (fixed === 4) return f(a[0], a[1], a[2], a[3], rest);
  if (fixed === 5) return f(a[0], a[1], a[2], a[3], a[4], rest);
  throw typeError("a function called with spread arguments has more than 5 parameters before its rest parameter");
}

//# piece __sf_push needs internal:isArray __sf_callMethod
// o.push(a, b) and o.push(...items): Microvium's Array push takes one item and returns nothing.
export function __sf_push(o, items) {
  if (!isArray(o)) return __sf_callMethod(o, "push", items);
  for (let i = 0; i < items.length; i++) o.push(items[i]);
  return o.length;
}

//# piece __sf_fold
// Math.max(...xs) / Math.min(...xs): the two-argument function folded over the items.
export function __sf_fold(f, items, initial) {
  let acc = initial;
  for (let i = 0; i < items.length; i++) acc = f(acc, items[i]);
  return acc;
}

//# piece __sf_in needs internal:isArray internal:typeError
// `k in o`: own keys, then up the prototype chain (class methods live on the prototype).
export function __sf_in(k, o) {
  if (typeof o !== "object" || o === null) throw typeError("`in` needs an object on its right");
  if (isArray(o)) {
    if (typeof k === "number") return k >= 0 && k < o.length && !(k % 1 > 0 || k % 1 < 0);
    return k === "length" || AP[k] !== undefined;
  }
  const key = "" + k;
  let p = o;
  while (p !== null && p !== undefined) {
    const keys = Reflect.ownKeys(p);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key) return true;
    }
    p = p.__proto__;
  }
  return false;
}

//# piece __sf_instanceof
// o instanceof C for classes: walks __proto__. Microvium prototypes can't be chained (no
// `extends`), so the library's error classes mark themselves to make TypeError instanceof Error.
export function __sf_instanceof(o, C) {
  if (typeof o !== "object" || o === null) return false;
  const proto = C.prototype;
  let p = o.__proto__;
  while (p !== null && p !== undefined) {
    if (p === proto) return true;
    p = p.__proto__;
  }
  return proto !== undefined && proto !== null && proto.sfErrorBase === true && o.__proto__ !== null && o.__proto__.sfError === true;
}

// a < b, a > b, a <= b, a >= b where either side may be a string: Microvium's own operators
// don't order strings, so two strings compare by code units through the host, as in JS.
//# piece __sf_lt needs host:StrCompare
export function __sf_lt(a, b) {
  return typeof a === "string" && typeof b === "string" ? h_StrCompare(a, b) < 0 : a < b;
}

//# piece __sf_gt needs host:StrCompare
export function __sf_gt(a, b) {
  return typeof a === "string" && typeof b === "string" ? h_StrCompare(a, b) > 0 : a > b;
}

//# piece __sf_le needs host:StrCompare
export function __sf_le(a, b) {
  return typeof a === "string" && typeof b === "string" ? h_StrCompare(a, b) <= 0 : a <= b;
}

//# piece __sf_ge needs host:StrCompare
export function __sf_ge(a, b) {
  return typeof a === "string" && typeof b === "string" ? h_StrCompare(a, b) >= 0 : a >= b;
}
