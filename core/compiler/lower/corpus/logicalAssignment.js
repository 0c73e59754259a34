// ||=, &&=, **= on variables and members; object and key evaluated once.
let evaluations = 0;
const store = { a: 0, b: 1, c: 2, list: [0, 5] };
function target() {
  evaluations++;
  return store;
}
function index() {
  evaluations++;
  return 1;
}

export function run() {
  evaluations = 0;
  store.a = 0;
  store.b = 1;
  store.c = 2;
  store.list = [0, 5];
  let x = 0;
  x ||= 5;
  let y = 3;
  y &&= 4;
  let z = 2;
  z **= 5;
  target().a ||= "filled";
  target().b &&= "replaced";
  target().c **= 3;
  target().list[index()] ||= "kept";
  target().list[0] ||= "set";
  const r = (store.d ||= "d");
  return JSON.stringify([x, y, z, store, evaluations, r]);
}
