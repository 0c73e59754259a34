// JSON.parse: the host parses, the value comes back through the value token stream. Escapes,
// \u and surrogate pairs, numbers in every JSON form, nesting, whitespace, duplicate keys,
// top-level scalars, round trips with JSON.stringify, and bad input caught as a SyntaxError.
// (No null here: Microvium's native binding, which this corpus also runs, can't pass null from
// the host into the VM; our engine can, and test/standardLibrary.test.ts covers null on a device.)
export function run() {
  const out = [];
  const o = JSON.parse(' {\n "name": "gr\\u00fcn \\"house\\" \\\\ \\/ \\b\\f\\n\\r\\t", "emoji": "\\ud83c\\udf31", "n": [0, -1, 2.5, -3e2, 1E-2, 1e21, 12345678901], "ok": true, "no": false,\n "deep": {"a": [{"b": [[], {}]}]}, "dup": 1, "dup": 2 } ');
  out.push(o.name, o.emoji, o.n, o.ok, o.no, o.deep.a[0].b, o.dup, Object.keys(o));
  out.push(JSON.parse("42"), JSON.parse('"text"'), JSON.parse("true"), JSON.parse(" [1,[2,[3]]] "), JSON.parse("-0.5"));
  const value = { list: [1, "two", { three: [true] }], text: "é\n" };
  out.push(JSON.stringify(JSON.parse(JSON.stringify(value))) === JSON.stringify(value));
  const parsed = JSON.parse('{"items": [{"id": 1, "qty": 2}, {"id": 2, "qty": 5}]}');
  out.push(parsed.items.map((item) => item.id * item.qty).reduce((a, b) => a + b, 0));
  for (const bad of ['{"a":}', "[1,2", "{'a': 1}", '{"a": 1,}', "tru", "", "1 2", '"\\q"', "[01]", "{\"a\" 1}", "NaN"]) {
    try {
      JSON.parse(bad);
      out.push("parsed " + bad);
    } catch (e) {
      out.push(e.name, e instanceof SyntaxError, e instanceof Error, typeof e.message === "string" && e.message.length > 0);
    }
  }
  let after = "unchanged";
  try {
    after = JSON.parse("[");
  } catch (e) {
    out.push(String(e).startsWith("SyntaxError: "));
  }
  out.push(after);
  return JSON.stringify(out);
}
