// Object and array destructuring: nested, defaults, rest, in declarations, assignments,
// parameters and catch clauses.
function area({ w, h = w, unit = "cm" }) {
  return w * h + unit;
}
function first([a, , c = "C", ...rest], { deep: { x } = { x: "dx" } } = {}) {
  return [a, c, rest.length, x];
}
function raise(code) {
  throw { code, detail: { reason: "bad" } };
}

export function run() {
  const config = { name: "station", pins: [3, 5, 7], limits: { min: 1 }, extra: true, more: 2 };
  const {
    name,
    pins: [p1, ...otherPins],
    limits: { min, max = 99 },
    missing: { inner } = { inner: "default" },
    ...rest
  } = config;
  let a = 1;
  let b = 2;
  [a, b] = [b, a];
  let x;
  let y;
  ({ x, y = "y-default" } = { x: "x" });
  const target = {};
  [target.first, target.second] = ["f", "s"];
  const assigned = ({ x } = { x: "again" });
  const key = "dynamic";
  const { [key]: dyn, ["lit" + "eral"]: lit } = { dynamic: "D", literal: "L" };
  const [[n1, n2], [n3] = [30]] = [[10, 20]];
  let caught;
  try {
    raise(42);
  } catch ({ code, detail: { reason } }) {
    caught = code + reason;
  }
  const pairs = [
    [1, "one"],
    [2, "two"],
  ];
  const labels = pairs.map(([n, label]) => n + label);
  return JSON.stringify([name, p1, otherPins, min, max, inner, rest, a, b, x, y, target, assigned.x, dyn, lit, n1, n2, n3, caught, labels, area({ w: 2 }), area({ w: 2, h: 3, unit: "m" }), first([1, 2]), first([1, 2, 3, 4, 5], { deep: { x: "X" } })]);
}
