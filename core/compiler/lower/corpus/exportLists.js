// esbuild ends every bundle with an export list; aliases, several declarators, classes.
let counter = 0;
const label = "L",
  unused = "u";
function bump() {
  counter++;
  return counter;
}
var Shape = class {
  constructor(n) {
    this.n = n;
  }
};
function helperImpl() {
  return "helper";
}
function run() {
  counter = 0;
  return JSON.stringify([bump(), bump(), counter, label, unused, new Shape(3).n, helperImpl()]);
}
export { run, counter, label, Shape, helperImpl as helper, bump as increment, bump };
