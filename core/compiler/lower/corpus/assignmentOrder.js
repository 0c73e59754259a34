// o[k()] = v(): JS evaluates the object, then the key, then the value (Microvium: value first).
export function run() {
  const log = [];
  const key = (k) => {
    log.push("key " + k);
    return k;
  };
  const value = (v) => {
    log.push("value " + v);
    return v;
  };
  const o = {};
  const a = [0, 0, 0];
  o[key("x")] = value(1);
  a[key(1)] = value(2);
  o[key("y")] += value(3);
  let i = 0;
  a[i++] = value(i);
  const holder = { inner: {} };
  holder.inner[key("z")] = value(4);
  return JSON.stringify([log, o, a, holder]);
}
