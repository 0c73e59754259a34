// `var` is function-scoped and keeps its value across later declarations; Microvium runs a bare
// `var x;` as `x = undefined` and resets a var declared in a loop body, so the lowering hoists.
{
  var blockVar = 4; // esbuild: `blockVar = 4; ... var blockVar;` at the end of the module
}
var redeclared = "first";
var redeclared;

function inNestedBlocks(flag) {
  if (flag) {
    var fromIf = "if";
  }
  {
    {
      var deep = "deep";
    }
  }
  return [fromIf, deep];
}

function inLoops() {
  const seen = [];
  for (var i = 0; i < 3; i++) {
    var acc;
    acc = (acc === undefined ? 0 : acc) + i;
    seen.push(acc);
  }
  for (var k in { a: 1, b: 2 }) {
    var lastKey = k;
  }
  for (var item of [5, 6]) {
    var lastItem = item;
  }
  var n = 0;
  while (n < 2) {
    var counted;
    counted = (counted || 0) + 1;
    n++;
  }
  return [seen, i, k, lastKey, item, lastItem, counted];
}

function inCatch() {
  try {
    throw new Error("boom");
  } catch (e) {
    var caught = e.message;
  }
  return caught;
}

function readBeforeDeclaration() {
  const before = typeof later;
  var later = 1;
  var later;
  return [before, later];
}

function parameterKept(p) {
  var p;
  return p;
}

function closuresShareTheVar() {
  const fns = [];
  for (var j = 0; j < 3; j++) {
    var captured = j * 10;
    fns.push(() => captured);
  }
  return fns.map((f) => f());
}

function severalDeclarators() {
  var a = 1, b, c = a + 1;
  var b;
  b = c * 2;
  var a;
  return [a, b, c];
}

const arrow = () => {
  if (true) {
    var inArrow = "arrow";
  }
  return inArrow;
};

function forHeads() {
  const out = [];
  for (var i = 0, j = 3; i < j; i++, j--) out.push(i + "" + j);
  for (var none; out.length < 3; ) out.push(none === undefined ? "u" : "d");
  return [out, i, j];
}

function singleStatementBodies(flag) {
  if (flag) var one = 1;
  if (flag) var two = 2, three = 3;
  else var four;
  for (var k = 0; k < 2; k++) var last = k;
  return [one, two, three, four, last, k];
}

export function run() {
  return JSON.stringify([forHeads(), singleStatementBodies(true), singleStatementBodies(false), blockVar, redeclared, inNestedBlocks(true), inNestedBlocks(false), inLoops(), inCatch(), readBeforeDeclaration(), parameterKept(7), closuresShareTheVar(), severalDeclarators(), arrow()]);
}
