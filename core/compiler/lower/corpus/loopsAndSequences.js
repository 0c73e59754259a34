// for loops with several variables (comma operator), missing parts, do/while, switch, labels-free
// early exits.
export function run() {
  const out = [];
  for (let i = 0, j = 5; i < j; i++, j--) out.push(i + ":" + j);
  let n = 0;
  for (;;) {
    n++;
    if (n > 3) break;
  }
  out.push(n);
  let k = 0;
  for (; k < 2; ) k++;
  out.push(k);
  let m = 10;
  do {
    m -= 3;
  } while (m > 0);
  out.push(m);
  const kind = (v) => {
    switch (typeof v) {
      case "number":
        return "num";
      case "string":
        return "str";
      default:
        return "other";
    }
  };
  out.push([1, "a", null].map(kind).join("/"));
  let a = 0;
  let b = 0;
  const c = ((a = 1), (b = 2), a + b);
  out.push(c);
  return out.join(",");
}
