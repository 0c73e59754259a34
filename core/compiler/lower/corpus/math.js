// Math: in-VM arithmetic (floor, round, min/max with any number of arguments, ...) and host
// functions (sqrt, random).
export function run() {
  const r = Math.random();
  const values = [-2.5, -1.5, -0.4, 0, 0.49999999999999994, 1.5, 2.5, 7];
  return JSON.stringify([
    values.map((v) => Math.floor(v)),
    values.map((v) => Math.ceil(v)),
    values.map((v) => Math.round(v)),
    values.map((v) => Math.trunc(v)),
    values.map((v) => Math.sign(v)),
    values.map((v) => Math.abs(v)),
    Math.max(1, 5, 3),
    Math.max(),
    Math.min(4),
    Math.min(2, -8, 0, 9),
    Math.max(1, NaN),
    Math.sqrt(16),
    Math.pow(2, 10),
    2 ** 8,
    Math.round(Math.PI * 1000),
    Math.hypot(3, 4),
    r >= 0 && r < 1,
    Math.floor(Infinity),
    // JSON shows NaN and ±Infinity all as null: compare them explicitly.
    [Math.floor(Infinity) === Infinity, Math.floor(-Infinity) === -Infinity, Math.round(-Infinity) === -Infinity, Math.ceil(Infinity) === Infinity],
    [Math.floor(NaN), Math.round(NaN), Math.floor("x")].map((v) => v !== v),
    [Math.floor(1e300) === 1e300, Math.round(-1e-300), Math.round(0.5), Math.round(-0.5) === 0, Math.round(4503599627370495.5)],
  ]);
}
