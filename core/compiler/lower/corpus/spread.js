// Spread in array literals, calls (functions, methods keeping `this`, constructors) and objects.
function three(a, b, c) {
  return [a, b, c].join("/");
}
class Point {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
  scaled(f, g) {
    return new Point(this.x * f, this.y * (g === undefined ? f : g));
  }
}

export function run() {
  const xs = [1, 2];
  const ys = [3];
  const all = [0, ...xs, ...ys, 4, ...[]];
  const copy = [...all];
  copy.push(99);
  const chars = [..."hey"];
  const args = [2, 3];
  const p = new Point(...args);
  const q = p.scaled(...[10]);
  const r = p["scaled"](...[2, 3]);
  const base = { a: 1, b: 2 };
  const merged = { ...base, b: 3, ...{ c: 4 }, ...null, ...undefined, d: 5 };
  const list = [];
  list.push(...xs, 7);
  list.push(8, 9);
  return JSON.stringify([all, copy.length, all.length, chars, three(...xs, "z"), three(..."ab"), p, q, r, merged, base, list, Math.max(...all), Math.min(...xs, -1)]);
}
