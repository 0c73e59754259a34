// Relational operators on strings compare code units, as in JS; numbers still compare as numbers.
function between(x, lo, hi) {
  return lo <= x && x < hi;
}

export function run() {
  const words = ["pear", "apple", "Zoo", "app", "", "b"];
  const out = [];
  for (let i = 0; i < words.length; i++) {
    for (let j = 0; j < words.length; j++) {
      const a = words[i];
      const b = words[j];
      out.push([a < b, a > b, a <= b, a >= b].map((r) => (r ? 1 : 0)).join(""));
    }
  }
  const n = 10;
  out.push(n < 9, n > 9, 2 <= n, "10" < "9", between("m", "a", "z"), between("zz", "a", "z"), between(5, 1, 10));
  let count = 0;
  count = count + 1;
  let label = "k";
  label = label + count;
  out.push("a" < "b" ? "lt" : "ge", 1.5 >= 1.5, -1 < 0, count < 2, label < "k2", label > "k", (label += "") < "l");
  return JSON.stringify(out);
}
