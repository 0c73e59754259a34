// Imported by composition.js: a module with its own `run`, as a composed app's base has its App.
let calls = 0;
export function run() {
  calls++;
  return "base";
}
export function describe() {
  return `base ran ${calls} times`;
}
export function reset() {
  calls = 0;
}
export const label = "base-label";
