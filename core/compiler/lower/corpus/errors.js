// Error classes from the standard library; throw/catch of errors and other values.
class ValidationError {
  constructor(field) {
    this.message = "invalid " + field;
    this.field = field;
  }
}
function check(v) {
  if (typeof v !== "number") throw new TypeError("not a number: " + v);
  if (v < 0) throw new RangeError("negative");
  if (v === 0) throw new ValidationError("zero");
  if (v > 100) throw "too big";
  return v;
}

export function run() {
  const out = [];
  for (const v of ["x", -1, 0, 101, 5]) {
    try {
      out.push(check(v));
    } catch (e) {
      if (typeof e === "string") out.push(["thrown string", e]);
      else out.push([e instanceof Error, e instanceof TypeError, e instanceof RangeError, e instanceof ValidationError, e.message, e.name === undefined ? "-" : e.name]);
    }
  }
  const plain = new Error("plain");
  out.push(plain.message, plain.name, String(plain), new Error().message === "");
  return JSON.stringify(out);
}
