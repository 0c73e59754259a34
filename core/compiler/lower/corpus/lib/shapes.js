// Imported as a namespace by ../namespaceImport.js (not a corpus program itself).
export function area(w, h) {
  return w * h;
}
export const unit = "cm²";
export let created = 0;
export class Square {
  constructor(side) {
    this.side = side;
    created++;
  }
}
