// Map and Set. Microvium has neither, no getters (so `size` is a data property kept up to date)
// and no iterators: keys(), values() and entries() return new arrays, and for-of, spread,
// Array.from, Object.fromEntries and array destructuring reach a Map's entries or a Set's values
// through __sf_iter, which the lowering puts around their source when the feature uses Map or Set
// (core/compiler/lower/passes/iterables.ts).
// Keys sit in insertion order in a plain array and are found by a linear scan: smaller than a
// hash table in the snapshot, and quick enough for the few dozen keys feature code holds.
// Members no code in the snapshot names (forEach, entries, ...) are left out of it
// (core/compiler/snapshotPruning.ts), so a Map used only with get/set carries only those, as
// long as the feature's own code reads no member by a computed key.

//# piece __sf_iter needs internal:charsOf
// What for-of and spread see: a Map's entries, a Set's values (both as a new array, so changing
// the collection inside the loop can't skip or repeat items), a string's characters.
export function __sf_iter(x) {
  if (typeof x === "string") return charsOf(x);
  return typeof x === "object" && x !== null && x.sfIter !== undefined ? x.sfIter() : x;
}

//# piece internal:keyed needs internal:AP internal:typeError Array.prototype.slice __sf_iter
// The index work of Map and Set, as array methods: the snapshot pruning pass trusts code on the
// array prototype to index arrays only (core/compiler/snapshotPruning.ts), so a feature using
// Map or Set still gets the unnamed methods of its own objects left out.
// Keys compare by SameValueZero: NaN finds NaN, objects by identity, -0 is 0. `k + 0` stores -0
// as 0; the device engine finds -0 !== 0, so -0 must never be a stored key.
function keyOf(k) {
  return typeof k === "number" ? k + 0 : k;
}
// keys.sfFind(k): the index of k, or -1.
AP.sfFind = function (k, i) {
  k = keyOf(k);
  for (i = 0; i < this.length; i++) {
    if (this[i] === k || (k !== k && this[i] !== this[i])) return i;
  }
  return -1;
};
// values.sfLookup(keys, k): the value stored for k, or undefined.
AP.sfLookup = function (keys, k, i) {
  i = keys.sfFind(k);
  return i < 0 ? undefined : this[i];
};
AP.sfRemove = function (i) {
  for (i = i; i < this.length - 1; i++) this[i] = this[i + 1];
  this.length = this.length - 1;
};
// values.sfEach(keys, f, owner): forEach. Live, like JS: entries added by f are visited, deleted
// ones are not. An entry f deleted moved the next one into index i, so i advances only when the
// entry there is still the one visited.
AP.sfEach = function (keys, f, owner, i, k) {
  i = 0;
  while (i < keys.length) {
    k = keys[i];
    f(this[i], k, owner);
    if (keys[i] === k || (k !== k && keys[i] !== keys[i])) i++;
  }
};
// keys.sfPairs(values): [[key, value], ...]
AP.sfPairs = function (values, out, i) {
  out = [];
  for (i = 0; i < this.length; i++) out.push([this[i], values[i]]);
  return out;
};
// new Map(entries) / new Set(items), not in the constructors: Microvium 8 fails with a bare
// "Internal error" on a block-scoped variable inside a class constructor.
function addAll(target, source, isMap, items) {
  if (source === undefined || source === null) return;
  items = __sf_iter(source);
  if (typeof items !== "object" || items.sfAddTo === undefined) {
    throw typeError(isMap ? "new Map(entries) takes an array of [key, value] pairs or a Map" : "new Set(items) takes an array, a string, a Map or a Set");
  }
  items.sfAddTo(target, isMap);
}
AP.sfAddTo = function (target, isMap, i) {
  for (i = 0; i < this.length; i++) {
    if (isMap) target.set(this[i][0], this[i][1]);
    else target.add(this[i]);
  }
};

//# piece Map needs internal:keyed
export class Map {
  constructor(entries) {
    this._k = [];
    this._v = [];
    this.size = 0;
    addAll(this, entries, true);
  }
  get(k) {
    return this._v.sfLookup(this._k, k);
  }
  set(k, v) {
    const i = this._k.sfFind(k);
    if (i < 0) {
      this._k.push(keyOf(k));
      this._v.push(v);
      this.size = this._k.length;
    } else this._v[i] = v;
    return this;
  }
  has(k) {
    return this._k.sfFind(k) >= 0;
  }
  delete(k) {
    const i = this._k.sfFind(k);
    if (i < 0) return false;
    this._k.sfRemove(i);
    this._v.sfRemove(i);
    this.size = this._k.length;
    return true;
  }
  clear() {
    this._k.length = 0;
    this._v.length = 0;
    this.size = 0;
  }
  forEach(f) {
    this._v.sfEach(this._k, f, this);
  }
  keys() {
    return this._k.slice();
  }
  values() {
    return this._v.slice();
  }
  entries() {
    return this._k.sfPairs(this._v);
  }
  sfIter() {
    return this._k.sfPairs(this._v);
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
    if (this._v.sfFind(x) < 0) {
      this._v.push(keyOf(x));
      this.size = this._v.length;
    }
    return this;
  }
  has(x) {
    return this._v.sfFind(x) >= 0;
  }
  delete(x) {
    const i = this._v.sfFind(x);
    if (i < 0) return false;
    this._v.sfRemove(i);
    this.size = this._v.length;
    return true;
  }
  clear() {
    this._v.length = 0;
    this.size = 0;
  }
  forEach(f) {
    this._v.sfEach(this._v, f, this);
  }
  values() {
    return this._v.slice();
  }
  keys() {
    return this._v.slice();
  }
  entries() {
    return this._v.sfPairs(this._v);
  }
  sfIter() {
    return this._v.slice();
  }
}
