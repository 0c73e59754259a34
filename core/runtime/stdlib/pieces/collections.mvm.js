// Map and Set. Microvium has neither, no getters (so `size` is a data property kept up to date)
// and no iterators: keys(), values() and entries() return new arrays, and for-of, spread,
// Array.from, Object.fromEntries and array destructuring reach a Map's entries or a Set's values
// through __sf_iter, which the lowering puts around their source when the feature uses Map or Set
// (core/compiler/lower/passes/iterables.ts).
// Keys sit in insertion order in a plain array and are found by a linear scan: smaller than a
// hash table in the snapshot, and quick enough for the few dozen keys feature code holds.
// Members no code in the snapshot names (forEach, entries, ...) are left out of it
// (core/compiler/snapshotPruning.ts), so a Map used only with get/set carries only those.

//# piece __sf_iter needs internal:charsOf
// What for-of and spread see: a Map's entries, a Set's values (both as a new array, so changing
// the collection inside the loop can't skip or repeat items), a string's characters.
export function __sf_iter(x) {
  if (typeof x === "string") return charsOf(x);
  return typeof x === "object" && x !== null && x.sfIter !== undefined ? x.sfIter() : x;
}

//# piece internal:keyed needs __sf_iter __sf_arrayFrom
// SameValueZero, as Map and Set compare keys: NaN finds NaN, objects by identity, -0 is 0.
// `k + 0` stores -0 as 0; the device engine finds -0 !== 0, so it must never be a stored key.
function keyOf(k) {
  return typeof k === "number" ? k + 0 : k;
}
function keyIndex(keys, k, i) {
  k = keyOf(k);
  for (i = 0; i < keys.length; i++) {
    if (keys[i] === k || (k !== k && keys[i] !== keys[i])) return i;
  }
  return -1;
}
function removeAt(a, i) {
  for (i = i; i < a.length - 1; i++) a[i] = a[i + 1];
  a.length = a.length - 1;
}
// Live, like JS: entries added by f are visited, deleted ones are not. An entry f deleted moved
// the next one into index i, so i advances only when the entry there is still the one visited.
function forEachKeyed(owner, keys, values, f, i, k) {
  i = 0;
  while (i < keys.length) {
    k = keys[i];
    f(values[i], k, owner);
    if (keys[i] === k || (k !== k && keys[i] !== keys[i])) i++;
  }
}
// new Map(entries) / new Set(items). Not in the constructors: Microvium 8 fails with a bare
// "Internal error" on a block-scoped variable inside a class constructor.
function addAll(target, source, isMap, items, i) {
  if (source === undefined || source === null) return;
  items = __sf_iter(source);
  for (i = 0; i < items.length; i++) {
    if (isMap) target.set(items[i][0], items[i][1]);
    else target.add(items[i]);
  }
}
function pairsOf(keys, values, out, i) {
  out = [];
  for (i = 0; i < keys.length; i++) out.push([keys[i], values[i]]);
  return out;
}

//# piece Map needs internal:keyed
export class Map {
  constructor(entries) {
    this._k = [];
    this._v = [];
    this.size = 0;
    addAll(this, entries, true);
  }
  get(k) {
    const i = keyIndex(this._k, k);
    return i < 0 ? undefined : this._v[i];
  }
  set(k, v) {
    const i = keyIndex(this._k, k);
    if (i < 0) {
      this._k.push(keyOf(k));
      this._v.push(v);
      this.size = this._k.length;
    } else this._v[i] = v;
    return this;
  }
  has(k) {
    return keyIndex(this._k, k) >= 0;
  }
  delete(k) {
    const i = keyIndex(this._k, k);
    if (i < 0) return false;
    removeAt(this._k, i);
    removeAt(this._v, i);
    this.size = this._k.length;
    return true;
  }
  clear() {
    this._k.length = 0;
    this._v.length = 0;
    this.size = 0;
  }
  forEach(f) {
    forEachKeyed(this, this._k, this._v, f);
  }
  keys() {
    return __sf_arrayFrom(this._k, 0);
  }
  values() {
    return __sf_arrayFrom(this._v, 0);
  }
  entries() {
    return pairsOf(this._k, this._v);
  }
  sfIter() {
    return pairsOf(this._k, this._v);
  }
}

//# piece Set needs internal:keyed
export class Set {
  constructor(items) {
    this._v = [];
    this.size = 0;
    addAll(this, items, false);
  }
  add(x) {
    if (keyIndex(this._v, x) < 0) {
      this._v.push(keyOf(x));
      this.size = this._v.length;
    }
    return this;
  }
  has(x) {
    return keyIndex(this._v, x) >= 0;
  }
  delete(x) {
    const i = keyIndex(this._v, x);
    if (i < 0) return false;
    removeAt(this._v, i);
    this.size = this._v.length;
    return true;
  }
  clear() {
    this._v.length = 0;
    this.size = 0;
  }
  forEach(f) {
    forEachKeyed(this, this._v, this._v, f);
  }
  values() {
    return __sf_arrayFrom(this._v, 0);
  }
  keys() {
    return __sf_arrayFrom(this._v, 0);
  }
  entries() {
    return pairsOf(this._v, this._v);
  }
  sfIter() {
    return __sf_arrayFrom(this._v, 0);
  }
}
