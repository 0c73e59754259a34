// `continue` in every place a loop body can hold it (Microvium 8 has no continue statement; the
// lowering uses a per-iteration flag): if/else branches, blocks, try and catch, switch cases
// (where it also leaves the switch), nested loops and functions with their own loops, do/while
// (whose test still runs after a continue), and loop bodies that are a single statement.
class Tally {
  constructor() {
    this.items = [];
  }
  addOdd(xs) {
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] % 2 === 0) continue;
      this.items.push(xs[i]);
    }
    return this;
  }
}

export function run() {
  const out = [];
  for (let i = 0; i < 6; i++) {
    if (i === 1) {
      continue;
    } else if (i === 3) {
      out.push("three");
      continue;
    } else {
      out.push("else" + i);
    }
    out.push("after" + i);
  }

  let w = 0;
  while (w < 5) {
    w++;
    {
      if (w % 2 === 0) continue;
    }
    out.push("w" + w);
  }

  let d = 0;
  let tests = 0;
  do {
    d++;
    if (d < 3) continue;
    out.push("d" + d);
  } while ((tests++, d < 5));
  out.push("tests" + tests);

  for (let i = 0; i < 4; i++) {
    try {
      if (i === 0) continue;
      if (i === 2) throw new Error("two");
      out.push("try" + i);
    } catch (e) {
      if (i === 2) continue;
      out.push("unreached");
    }
    out.push("tail" + i);
  }

  for (let i = 0; i < 4; i++) {
    switch (i) {
      case 0:
        out.push("case0");
        continue;
      case 1:
        out.push("case1");
        break;
      default:
        if (i === 3) continue;
        out.push("default" + i);
    }
    out.push("afterSwitch" + i);
  }

  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      if (j === i) continue;
      out.push(i + "" + j);
    }
    const inner = (n) => {
      let sum = 0;
      for (let k = 0; k <= n; k++) {
        if (k === 1) continue;
        sum += k;
      }
      return sum;
    };
    out.push("inner" + inner(i + 1));
  }

  let single = 0;
  for (let i = 0; i < 5; i++) if (i % 2) continue; else single += i;
  out.push("single" + single);

  let once = 0;
  do once++; while (once < 3);
  out.push("once" + once);

  out.push(new Tally().addOdd([1, 2, 3, 4, 5]).items.join(""));
  return out.join(",");
}
