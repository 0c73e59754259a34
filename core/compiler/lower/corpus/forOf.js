// for...of over arrays: declarations, destructuring heads, existing variables, break/continue,
// closures capturing the per-iteration binding, arrays growing while iterated.
export function run() {
  const out = [];
  for (const n of [1, 2, 3, 4, 5]) {
    if (n === 2) continue;
    if (n === 5) break;
    out.push(n * 10);
  }
  const entries = [
    ["a", 1],
    ["b", 2],
  ];
  for (const [key, value] of entries) out.push(key + value);
  for (const { id, tags: [firstTag = "none"] = [] } of [{ id: 1, tags: ["x"] }, { id: 2 }]) out.push(id + firstTag);
  let last;
  for (last of ["p", "q"]);
  out.push(last);
  const fns = [];
  for (const v of ["u", "v"]) fns.push(() => v);
  out.push(fns.map((f) => f()).join(""));
  const growing = [1];
  for (const g of growing) {
    if (g < 4) growing.push(g + 1);
  }
  out.push(growing.length);
  for (const x of [7]) {
    const x2 = x * 2;
    out.push(x2);
  }
  return out.join(",");
}
