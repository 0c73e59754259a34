// Default parameters: applied for undefined (not null), can use earlier parameters, evaluated per call.
let made = 0;
function fresh() {
  made++;
  return [];
}
function greet(name = "world", punctuation = name === "you" ? "?" : "!") {
  return "hello " + name + punctuation;
}
const add = (a, b = a * 2, list = fresh()) => {
  list.push(a + b);
  return list.length + ":" + list[0];
};
class Box {
  constructor(w = 1, h = w) {
    this.area = w * h;
  }
}

export function run() {
  made = 0;
  return JSON.stringify([greet(), greet("you"), greet(undefined, "."), greet(null), add(1), add(1, 1), add(2, undefined, [9]), made, new Box().area, new Box(3).area, new Box(2, 5).area]);
}
