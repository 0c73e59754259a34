// Rest parameters on functions called directly, including with spread arguments.
function sum(...xs) {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}
function tag(label, ...items) {
  return label + "(" + items.length + ")" + items.join("|");
}
const pair = (first, ...others) => [first, others.length];

export function run() {
  const more = [4, 5, 6];
  return JSON.stringify([sum(), sum(1), sum(1, 2, 3), sum(...more), sum(1, ...more, 10), tag("a"), tag("b", 1, 2), tag(...["c", 3, 4]), pair(1, 2, 3), pair()]);
}
