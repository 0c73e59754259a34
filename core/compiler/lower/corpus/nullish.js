// a ?? b, ??= : b only evaluated when a is null/undefined; a evaluated once.
let calls = 0;
function count(v) {
  calls++;
  return v;
}

export function run() {
  calls = 0;
  const out = [];
  out.push(null ?? "n", undefined ?? "u", 0 ?? "zero", "" ?? "empty", false ?? "f");
  out.push(count(null) ?? count("x"), calls);
  out.push(count(5) ?? count("never"), calls);
  const o = { a: null, b: 0 };
  o.a ??= "set";
  o.b ??= "not set";
  let v;
  v ??= 7;
  v ??= 8;
  const nested = null ?? undefined ?? "third";
  const key = { n: 0 };
  const obj = { p: undefined };
  const pick = () => {
    key.n++;
    return obj;
  };
  pick().p ??= "once";
  return JSON.stringify([out, o.a, o.b, v, nested, obj.p, key.n]);
}
