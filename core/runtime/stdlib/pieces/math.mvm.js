// Math. Small arithmetic stays in the VM (sign, abs, min, max); rounding, libm and randomness
// are host functions (hostIds.ts): every device firmware has them natively, and a host import
// costs 6 bytes of snapshot where Math.round in bytecode cost 79 (device budget 2 KB). Each
// member is its own piece, so a feature using Math.round carries only Math.round.
// min/max take two arguments: Microvium functions can't count their arguments, so the lowering
// rewrites Math.max(a, b, c) to Math.max(Math.max(a, b), c) and Math.max(...xs) to a fold.

//# piece Math
export const Math = {};

//# piece Math.PI needs Math
Math.PI = 3.141592653589793;

//# piece Math.E needs Math
Math.E = 2.718281828459045;

//# piece Math.floor needs Math host:MathFloor
Math.floor = function (x) {
  return h_MathFloor(+x);
};

//# piece Math.ceil needs Math host:MathCeil
Math.ceil = function (x) {
  return h_MathCeil(+x);
};

//# piece Math.round needs Math host:MathRound
Math.round = function (x) {
  return h_MathRound(+x);
};

//# piece Math.trunc needs Math host:MathTrunc
Math.trunc = function (x) {
  return h_MathTrunc(+x);
};

//# piece Math.sign needs Math
Math.sign = function (x) {
  const n = +x;
  return n > 0 ? 1 : n < 0 ? -1 : n;
};

//# piece Math.abs needs Math
Math.abs = function (x) {
  const n = +x;
  return n < 0 ? -n : n === 0 ? 0 : n;
};

//# piece Math.max needs Math
Math.max = function (a, b) {
  const x = +a;
  const y = +b;
  if (x !== x || y !== y) return NaN;
  if (x === 0 && y === 0) return 1 / x > 0 ? x : y;
  return x > y ? x : y;
};

//# piece Math.min needs Math
Math.min = function (a, b) {
  const x = +a;
  const y = +b;
  if (x !== x || y !== y) return NaN;
  if (x === 0 && y === 0) return 1 / x < 0 ? x : y;
  return x < y ? x : y;
};

//# piece Math.pow needs Math
Math.pow = function (x, y) {
  return x ** y;
};

//# piece Math.random needs Math host:MathRandom
Math.random = function () {
  return h_MathRandom();
};

//# piece Math.sqrt needs Math host:MathSqrt
Math.sqrt = function (x) {
  return h_MathSqrt(+x);
};

//# piece Math.cbrt needs Math host:MathCbrt
Math.cbrt = function (x) {
  return h_MathCbrt(+x);
};

//# piece Math.hypot needs Math host:MathSqrt
// Two arguments (the common use: a vector's length).
Math.hypot = function (a, b) {
  return h_MathSqrt(a * a + (b === undefined ? 0 : b * b));
};

//# piece Math.log needs Math host:MathLog
Math.log = function (x) {
  return h_MathLog(+x);
};

//# piece Math.log2 needs Math host:MathLog2
Math.log2 = function (x) {
  return h_MathLog2(+x);
};

//# piece Math.log10 needs Math host:MathLog10
Math.log10 = function (x) {
  return h_MathLog10(+x);
};

//# piece Math.exp needs Math host:MathExp
Math.exp = function (x) {
  return h_MathExp(+x);
};

//# piece Math.sin needs Math host:MathSin
Math.sin = function (x) {
  return h_MathSin(+x);
};

//# piece Math.cos needs Math host:MathCos
Math.cos = function (x) {
  return h_MathCos(+x);
};

//# piece Math.tan needs Math host:MathTan
Math.tan = function (x) {
  return h_MathTan(+x);
};

//# piece Math.asin needs Math host:MathAsin
Math.asin = function (x) {
  return h_MathAsin(+x);
};

//# piece Math.acos needs Math host:MathAcos
Math.acos = function (x) {
  return h_MathAcos(+x);
};

//# piece Math.atan needs Math host:MathAtan
Math.atan = function (x) {
  return h_MathAtan(+x);
};

//# piece Math.atan2 needs Math host:MathAtan2
Math.atan2 = function (y, x) {
  return h_MathAtan2(+y, +x);
};
