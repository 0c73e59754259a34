// Error classes, so `throw new Error("x")` and `catch (e) { e.message }` work. Microvium has no
// `extends` and its prototypes can't be re-linked, so TypeError isn't a subclass of Error here;
// the `sfError` marks let __sf_instanceof answer `e instanceof Error` for all of them.

//# piece internal:errorMessage needs internal:toStr
function errorMessage(message) {
  return message === undefined ? "" : toStr(message);
}

//# piece Error needs internal:errorMessage
export class Error {
  constructor(message) {
    this.message = errorMessage(message);
  }
  toString() {
    return this.message === "" ? this.name : this.name + ": " + this.message;
  }
}
Error.prototype.name = "Error";
Error.prototype.sfError = true;
Error.prototype.sfErrorBase = true;

//# piece TypeError needs internal:errorMessage
export class TypeError {
  constructor(message) {
    this.message = errorMessage(message);
  }
  toString() {
    return this.message === "" ? this.name : this.name + ": " + this.message;
  }
}
TypeError.prototype.name = "TypeError";
TypeError.prototype.sfError = true;

//# piece RangeError needs internal:errorMessage
export class RangeError {
  constructor(message) {
    this.message = errorMessage(message);
  }
  toString() {
    return this.message === "" ? this.name : this.name + ": " + this.message;
  }
}
RangeError.prototype.name = "RangeError";
RangeError.prototype.sfError = true;

//# piece SyntaxError
// What JSON.parse throws on bad input. The message is taken with `"" +` rather than errorMessage
// (JSON.parse passes a string): errorMessage's String(x) reads arrays by computed index, which
// keeps the snapshot pruning pass (core/compiler/snapshotPruning.ts) from leaving out the
// feature's unnamed methods, and costs a JSON.parse user ~100 B more.
export class SyntaxError {
  constructor(message) {
    this.message = message === undefined ? "" : "" + message;
  }
  toString() {
    return this.message === "" ? this.name : this.name + ": " + this.message;
  }
}
SyntaxError.prototype.name = "SyntaxError";
SyntaxError.prototype.sfError = true;
