// Optional members, calls, computed members and long chains; short-circuiting and `this`.
let evaluated = 0;
function side(v) {
  evaluated++;
  return v;
}

class Counter {
  constructor() {
    this.n = 10;
  }
  inc(by) {
    this.n += by;
    return this;
  }
}

export function run() {
  evaluated = 0;
  const a = { b: { c: { d: 4 } }, list: [1, 2, 3], f: (x) => x * 2, counter: new Counter() };
  const none = null;
  const out = [];
  out.push(a?.b?.c?.d, none?.b.c.d, a.x?.y.z, a?.["b"]?.c.d, a.list?.[1], none?.[side(0)]);
  out.push(a.f?.(4), a.g?.(side(1)), none?.f(), a.counter?.inc(5).inc?.(1).n);
  out.push(a.counter.missing?.(), a?.counter.inc(1)?.n);
  const k = "c";
  out.push(a.b?.[k]?.d, evaluated);
  const fn = undefined;
  out.push(fn?.(side(2)), evaluated);
  let reads = 0;
  const getObj = () => {
    reads++;
    return a;
  };
  out.push(getObj()?.b?.c?.d, reads);
  return JSON.stringify(out);
}
