// Loose equality with null/undefined, typeof ==, void, `in` and instanceof.
class Animal {
  constructor(name) {
    this.name = name;
  }
  speak() {
    return this.name;
  }
}
class Plant {}
let touched = 0;
function touch() {
  touched++;
  return undefined;
}

export function run() {
  touched = 0;
  const values = [null, undefined, 0, "", false, "x", {}];
  const out = [];
  for (const v of values) out.push(v == null, v != null, v == undefined, null == v);
  out.push(typeof "s" == "string", typeof 1 != "number");
  const o = { get: null };
  out.push(o.get == null, o.missing != null, touch() == null, touched);
  out.push(void 0, void touch(), touched);
  const a = new Animal("rex");
  out.push("name" in a, "speak" in a, "fly" in a, "a" in { a: undefined }, 1 in [5, 6], 2 in [5, 6], "length" in []);
  out.push(a instanceof Animal, a instanceof Plant, {} instanceof Animal, null instanceof Animal, [] instanceof Array, a instanceof Array);
  return JSON.stringify(out);
}
