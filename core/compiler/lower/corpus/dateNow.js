// Date.now(): a number of milliseconds from the host's clock (on a device, the supervisor's);
// the values differ between runs, so only what holds for any clock is compared.
export function run() {
  const a = Date.now();
  let spin = 0;
  for (let i = 0; i < 1000; i++) spin += i;
  const b = Date.now();
  const elapsed = b - a;
  return JSON.stringify([typeof a, a > 1577836800000, Number.isInteger(a), b >= a, elapsed >= 0 && elapsed < 60000, spin, String(a).length === 13]);
}
