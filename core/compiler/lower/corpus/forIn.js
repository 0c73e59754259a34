// for...in over plain objects and class instances (own enumerable keys, insertion order).
class Settings {
  constructor() {
    this.mode = "auto";
    this.level = 3;
  }
  describe() {
    return "settings";
  }
}

export function run() {
  const out = [];
  const o = { a: 1, b: 2, c: 3 };
  for (const k in o) out.push(k + "=" + o[k]);
  for (const k in new Settings()) out.push(k);
  let count = 0;
  for (const k in {}) count++;
  out.push(count);
  let lastKey;
  for (lastKey in { x: 1, y: 2 });
  out.push(lastKey);
  return out.join(" ");
}
