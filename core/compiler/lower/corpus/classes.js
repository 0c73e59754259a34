// Classes (esbuild emits `var C = class {...}`), fields, static members, class expressions
// used as values, named (recursive) function expressions, closures.
class Accumulator {
  total = 0;
  history = [];
  static created = 0;
  constructor(start) {
    Accumulator.created++;
    this.total = start;
  }
  add(n) {
    this.total += n;
    this.history.push(n);
    return this;
  }
  onAdd = (n) => this.add(n);
  static make() {
    return new Accumulator(100);
  }
}
function makeClass(prefix) {
  return class {
    hello(name) {
      return prefix + name;
    }
  };
}
const factorial = function fact(n) {
  return n < 2 ? 1 : n * fact(n - 1);
};
const namedButUnused = function helper() {
  return "plain";
};

export function run() {
  Accumulator.created = 0;
  const acc = new Accumulator(1).add(2).add(3);
  const cb = acc.onAdd;
  cb(4);
  const Greeter = makeClass("hi ");
  const counters = [];
  for (let i = 0; i < 3; i++) counters.push(() => i);
  return JSON.stringify([acc.total, acc.history, Accumulator.created, Accumulator.make().total, Accumulator.created, new Greeter().hello("bob"), factorial(5), namedButUnused(), counters.map((c) => c())]);
}
