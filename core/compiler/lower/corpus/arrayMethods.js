// Array.prototype methods installed by the standard library.
export function run() {
  const xs = [5, 1, 4, 1, 3];
  const out = [];
  out.push(xs.indexOf(1), xs.indexOf(1, 2), xs.indexOf(9), xs.lastIndexOf(1), xs.includes(4), [NaN].includes(NaN));
  out.push(xs.find((x) => x > 3), xs.find((x) => x > 10), xs.findIndex((x) => x === 4), xs.findLast((x) => x < 4), xs.findLastIndex((x) => x === 1));
  out.push(xs.map((x, i) => x * i), xs.filter((x) => x % 2 === 1));
  let total = 0;
  xs.forEach((x) => (total += x));
  out.push(total, xs.reduce((a, b) => a + b), xs.reduce((a, b) => a + b, 100), [].reduce((a, b) => a + b, "init"));
  out.push(xs.some((x) => x > 4), xs.every((x) => x > 0), xs.join(), xs.join(" - "), [1, null, undefined, "s"].join("|"));
  out.push(xs.slice(1, 3), xs.slice(-2), xs.slice());
  const stack = [1, 2, 3];
  out.push(stack.pop(), stack.shift(), stack.unshift(0), stack, stack.concat([8, 9], 10), [1].concat());
  out.push([1, 2, 3].reverse(), [10, 9, 1, 2].sort(), [10, 9, 1, 2].sort((a, b) => a - b), ["b", "a", "c"].sort());
  out.push([0, 0, 0].fill(7, 1), [1, 2, 3, 4].splice(1, 2), [1, 2, 3].at(-1));
  const arr = [1, 2, 3, 4, 5];
  const removed = arr.splice(1, 2);
  out.push(arr, removed);
  const pushed = [];
  const len = pushed.push(1, 2, 3);
  out.push(len, pushed);
  return JSON.stringify(out);
}
