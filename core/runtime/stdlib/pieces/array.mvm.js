// Array.prototype methods. Microvium's arrays have only `push` (one item, returns nothing);
// these are installed on the shared array prototype (internal:AP) one by one, only those whose
// name appears in the feature code, because everything on the prototype of a reachable array
// lands in the snapshot.
// Microvium functions can't see how many arguments they were given, so "argument missing" and
// "argument is undefined" are the same here; where JS tells them apart the lowering helps at the
// call site (reduce gets a third argument when an initial value was written).

//# piece internal:relIndex
// Relative index as slice/fill/splice/indexOf take it: undefined → dflt, negative counts from
// the end, clamped to [0, len].
function relIndex(i, len, dflt) {
  if (i === undefined) return dflt;
  let n = +i;
  if (n !== n) return 0;
  n = n - n % 1;
  if (n < 0) {
    n = n + len;
    return n < 0 ? 0 : n;
  }
  return n > len ? len : n;
}

//# piece Array.prototype.indexOf needs internal:AP internal:relIndex
AP.indexOf = function (x, from) {
  for (let i = relIndex(from, this.length, 0); i < this.length; i++) {
    if (this[i] === x) return i;
  }
  return -1;
};

//# piece Array.prototype.lastIndexOf needs internal:AP
AP.lastIndexOf = function (x, from) {
  let start = from === undefined ? this.length - 1 : from < 0 ? this.length + from : from;
  if (start >= this.length) start = this.length - 1;
  for (let i = start; i >= 0; i--) {
    if (this[i] === x) return i;
  }
  return -1;
};

//# piece Array.prototype.includes needs internal:AP internal:relIndex
AP.includes = function (x, from) {
  for (let i = relIndex(from, this.length, 0); i < this.length; i++) {
    const v = this[i];
    if (v === x || (v !== v && x !== x)) return true;
  }
  return false;
};

//# piece Array.prototype.find needs internal:AP
AP.find = function (f) {
  for (let i = 0; i < this.length; i++) {
    if (f(this[i], i, this)) return this[i];
  }
  return undefined;
};

//# piece Array.prototype.findIndex needs internal:AP
AP.findIndex = function (f) {
  for (let i = 0; i < this.length; i++) {
    if (f(this[i], i, this)) return i;
  }
  return -1;
};

//# piece Array.prototype.findLast needs internal:AP
AP.findLast = function (f) {
  for (let i = this.length - 1; i >= 0; i--) {
    if (f(this[i], i, this)) return this[i];
  }
  return undefined;
};

//# piece Array.prototype.findLastIndex needs internal:AP
AP.findLastIndex = function (f) {
  for (let i = this.length - 1; i >= 0; i--) {
    if (f(this[i], i, this)) return i;
  }
  return -1;
};

//# piece Array.prototype.map needs internal:AP
AP.map = function (f) {
  const out = [];
  for (let i = 0; i < this.length; i++) out.push(f(this[i], i, this));
  return out;
};

//# piece Array.prototype.filter needs internal:AP
AP.filter = function (f) {
  const out = [];
  for (let i = 0; i < this.length; i++) {
    if (f(this[i], i, this)) out.push(this[i]);
  }
  return out;
};

//# piece Array.prototype.forEach needs internal:AP
AP.forEach = function (f) {
  for (let i = 0; i < this.length; i++) f(this[i], i, this);
};

//# piece Array.prototype.some needs internal:AP
AP.some = function (f) {
  for (let i = 0; i < this.length; i++) {
    if (f(this[i], i, this)) return true;
  }
  return false;
};

//# piece Array.prototype.every needs internal:AP
AP.every = function (f) {
  for (let i = 0; i < this.length; i++) {
    if (!f(this[i], i, this)) return false;
  }
  return true;
};

//# piece Array.prototype.reduce needs internal:AP internal:typeError
// hasInitial: the lowering passes `1` when the call site wrote an initial value.
AP.reduce = function (f, initial, hasInitial) {
  let i = 0;
  let acc = initial;
  if (hasInitial !== 1) {
    if (this.length === 0) throw typeError("reduce of empty array with no initial value");
    acc = this[0];
    i = 1;
  }
  for (let k = i; k < this.length; k++) acc = f(acc, this[k], k, this);
  return acc;
};

//# piece Array.prototype.join needs internal:AP internal:toStr
AP.join = function (separator) {
  const sep = separator === undefined ? "," : toStr(separator);
  let out = "";
  for (let i = 0; i < this.length; i++) {
    if (i > 0) out = out + sep;
    const v = this[i];
    if (v !== null && v !== undefined) out = out + toStr(v);
  }
  return out;
};

//# piece Array.prototype.slice needs internal:AP internal:relIndex
AP.slice = function (start, end) {
  const out = [];
  const to = relIndex(end, this.length, this.length);
  for (let i = relIndex(start, this.length, 0); i < to; i++) out.push(this[i]);
  return out;
};

//# piece Array.prototype.pop needs internal:AP
AP.pop = function () {
  if (this.length === 0) return undefined;
  const v = this[this.length - 1];
  this.length = this.length - 1;
  return v;
};

//# piece Array.prototype.shift needs internal:AP
AP.shift = function () {
  if (this.length === 0) return undefined;
  const v = this[0];
  for (let i = 1; i < this.length; i++) this[i - 1] = this[i];
  this.length = this.length - 1;
  return v;
};

//# piece Array.prototype.unshift needs internal:AP
// One item (the lowering rewrites calls with more).
AP.unshift = function (x) {
  for (let i = this.length; i > 0; i--) this[i] = this[i - 1];
  this[0] = x;
  return this.length;
};

//# piece Array.prototype.concat needs internal:AP internal:isArray
// One argument (the lowering chains calls with more); an array argument is flattened one level.
AP.concat = function (x) {
  const out = [];
  for (let i = 0; i < this.length; i++) out.push(this[i]);
  if (isArray(x)) {
    for (let i = 0; i < x.length; i++) out.push(x[i]);
  } else if (x !== undefined) {
    out.push(x);
  }
  return out;
};

//# piece Array.prototype.reverse needs internal:AP
AP.reverse = function () {
  for (let i = 0, j = this.length - 1; i < j; i++) {
    const v = this[i];
    this[i] = this[j];
    this[j] = v;
    j--;
  }
  return this;
};

//# piece Array.prototype.sort needs internal:AP internal:toStr host:StrCompare
// Stable insertion sort (feature arrays are small). Without a comparator JS compares the
// elements' strings; undefined goes last.
AP.sort = function (compare) {
  for (let i = 1; i < this.length; i++) {
    const v = this[i];
    let j = i - 1;
    while (j >= 0) {
      const w = this[j];
      let after;
      if (v === undefined) after = false;
      else if (w === undefined) after = true;
      else if (compare === undefined) after = h_StrCompare(toStr(w), toStr(v)) > 0;
      else after = compare(w, v) > 0;
      if (!after) break;
      this[j + 1] = w;
      j--;
    }
    this[j + 1] = v;
  }
  return this;
};

//# piece Array.prototype.fill needs internal:AP internal:relIndex
AP.fill = function (v, start, end) {
  const to = relIndex(end, this.length, this.length);
  for (let i = relIndex(start, this.length, 0); i < to; i++) this[i] = v;
  return this;
};

//# piece Array.prototype.splice needs internal:AP internal:relIndex
// splice(start, deleteCount) removes and returns; inserting items is not supported (the
// lowering reports calls with more than two arguments).
AP.splice = function (start, deleteCount) {
  const from = relIndex(start, this.length, 0);
  let count = deleteCount === undefined ? this.length - from : deleteCount;
  if (count > this.length - from) count = this.length - from;
  if (count < 0) count = 0;
  const removed = [];
  for (let i = 0; i < count; i++) removed.push(this[from + i]);
  if (count === 0) return removed; // the native engine fails on `length = length`
  for (let i = from + count; i < this.length; i++) this[i - count] = this[i];
  this.length = this.length - count;
  return removed;
};

//# piece Array.prototype.at needs internal:AP
AP.at = function (i) {
  const n = i === undefined ? 0 : i < 0 ? this.length + i : i;
  return n < 0 || n >= this.length ? undefined : this[n - n % 1];
};
