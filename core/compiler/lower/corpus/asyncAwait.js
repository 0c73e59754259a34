// async functions, await and `new Promise` (all Microvium 8 has of promises; then/catch/finally
// and Promise.resolve/all are refused at build time). Continuations run after run() returns;
// the corpus runner reads what they did through settled().
let log = [];

function ready(value) {
  return new Promise((resolve) => resolve(value));
}

function refused(message) {
  return new Promise((resolve, reject) => reject(new Error(message)));
}

async function double(x) {
  const v = await ready(x);
  log.push("double " + v);
  return v * 2;
}

async function fails() {
  await ready(0);
  throw new Error("async throw");
}

async function chain(name) {
  log.push(name + " start");
  const a = await double(2);
  const b = await double(a);
  log.push(name + " " + a + " " + b);
  try {
    await refused("rejected");
    log.push("not reached");
  } catch (e) {
    log.push(name + " caught " + e.message);
  }
  try {
    await fails();
  } catch (e) {
    log.push(name + " caught " + e.message);
  }
  const results = [];
  for (const x of [1, 2, 3]) results.push(await double(x));
  log.push(name + " loop " + results.join(","));
  return b;
}

async function outer() {
  const b = await chain("first");
  log.push("outer got " + b);
}

export function run() {
  log = [];
  outer();
  chain("second");
  log.push("sync end");
  return JSON.stringify(log);
}

export function settled() {
  return JSON.stringify(log);
}
