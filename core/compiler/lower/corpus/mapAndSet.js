// Map and Set from the in-VM standard library: insertion order, SameValueZero keys (NaN, -0/+0,
// objects by identity), the common methods, and every way of iterating them (for-of, forEach,
// spread, Array.from, Object.fromEntries, destructuring), including changes while iterating.
export function run() {
  const out = [];
  const m = new Map([["b", 1], ["a", 2]]);
  m.set("c", 3).set("b", 10);
  out.push(m.size, m.get("b"), m.get("zz"), m.has("a"), m.has("zz"), [...m.keys()], [...m.values()], [...m.entries()]);
  out.push(m.delete("a"), m.delete("a"), m.size, Array.from(m));
  m.set("a", 4); // a deleted key comes back at the end
  out.push(Object.fromEntries(m));

  // SameValueZero: NaN finds NaN, -0 and 0 are one key (stored as 0), "1" is not 1, objects by identity.
  const k1 = { id: 1 };
  const k2 = { id: 1 };
  const keys = new Map();
  keys.set(NaN, "nan").set(-0, "zero").set(1, "one").set("1", "string one").set(k1, "k1");
  out.push(keys.get(NaN), keys.get(0), keys.get(-0), keys.get(1), keys.get("1"), keys.get(k1), keys.get(k2), keys.has(k2), keys.size);
  out.push([...keys.keys()].map((k) => (typeof k === "object" ? "obj" : String(k))), 1 / [...keys.keys()][1]);
  keys.set(0, "zero again");
  out.push(keys.size, keys.get(-0));

  // for-of with destructuring, and deleting the current entry while looping
  const counts = new Map();
  for (const word of ["to", "be", "or", "not", "to", "be"]) counts.set(word, (counts.get(word) ?? 0) + 1);
  const seen = [];
  for (const [word, n] of counts) {
    seen.push(word + n);
    if (n > 1) counts.delete(word);
  }
  out.push(seen, [...counts.keys()]);

  // forEach is live: deleting the current or a later entry, adding one (visited), clearing.
  const live = new Map([[1, "a"], [2, "b"], [3, "c"], [4, "d"]]);
  const visits = [];
  live.forEach((v, k, map) => {
    visits.push(k + v + (map === live));
    if (k === 1) live.delete(1);
    if (k === 2) live.delete(3);
    if (k === 4) live.set(5, "e");
  });
  out.push(visits, live.size);
  live.clear();
  out.push(live.size, live.get(2), [...live]);

  // Set
  const s = new Set([3, 1, 3, 2, 1]);
  s.add(4).add(1).add(NaN).add(NaN);
  out.push(s.size, [...s], s.has(2), s.has(NaN), s.has(9), s.delete(3), s.delete(3), Array.from(s));
  const evens = [];
  s.forEach((v, again, set) => {
    if (v % 2 === 0) evens.push(v + "/" + again + (set === s));
  });
  out.push(evens, [...s.entries()], Array.from(s.keys()));
  for (const v of s) {
    if (v !== v || v > 3) s.delete(v);
  }
  out.push([...s]);
  const [first, second] = new Set(["x", "y", "z"]);
  out.push(first, second, Math.max(...new Set([5, 9, 2])), [...new Set("hello")].join(""));
  const union = new Set([...new Set([1, 2]), ...new Set([2, 3])]);
  const copy = new Map(new Map([["k", "v"]]));
  out.push([...union], copy.get("k"), new Set(union).size, new Set().size, new Map(null).size);
  out.push(m instanceof Map, s instanceof Set, s instanceof Map, typeof Map, typeof s);
  // Not iterable: a TypeError, as in JS.
  for (const bad of [5, { a: 1 }]) {
    try {
      new Set(bad);
      out.push("no error");
    } catch (e) {
      out.push(e.name);
    }
    try {
      new Map(bad);
      out.push("no error");
    } catch (e) {
      out.push(e.name);
    }
  }
  return JSON.stringify(out);
}
