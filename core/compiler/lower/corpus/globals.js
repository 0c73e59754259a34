// Object, JSON, Array, Number helpers and the global conversion functions.
export function run() {
  const o = { b: 2, a: 1 };
  const target = { z: 0 };
  const assigned = Object.assign(target, { y: 1 }, { x: 2 });
  return JSON.stringify([
    Object.keys(o),
    Object.values(o),
    Object.entries(o),
    assigned === target,
    target,
    Object.fromEntries([["k", "v"]]),
    JSON.stringify({ s: 'quote"d', n: [1, 2.5, null], t: true, u: undefined, f: () => 1 }),
    JSON.stringify("line\nbreak"),
    Array.isArray([]),
    Array.isArray({}),
    Array.from("abc"),
    Array.from([1, 2], (v) => v * 3),
    Number.isInteger(5),
    Number.isInteger(5.5),
    Number.isNaN(NaN),
    Number.MAX_SAFE_INTEGER,
    Number("42") + 1,
    ["1", "2"].map(Number),
    parseInt("42px"),
    parseInt("ff", 16),
    parseFloat("3.5kg"),
    isNaN("abc"),
    isFinite("12"),
    Boolean(""),
    [0, 1, "", "x"].filter(Boolean),
    String(undefined),
  ]);
}
