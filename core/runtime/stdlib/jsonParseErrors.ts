/** The message feature code gets from JSON.parse on bad input: where (line, column, position)
 * and what was expected there. Native JSON.parse finds the error first; its own message differs
 * by host (V8 in Node and Chromium, SpiderMonkey, JavaScriptCore) and V8 often gives no position
 * ("Unexpected token '}', ... is not valid JSON"), while a snapshot must behave the same on every
 * host. So this walks the text once more along JSON's grammar (RFC 8259) to the first position
 * where it can't go on. Runs only for text native JSON.parse refused. */
export function jsonSyntaxError(text: string): string {
  let at = 0;
  const fail = (expected: string): never => {
    throw new JsonStop(expected, at);
  };
  const ws = () => {
    while (at < text.length && " \t\n\r".includes(text[at])) at++;
  };
  const digits = () => {
    const start = at;
    while (at < text.length && text[at] >= "0" && text[at] <= "9") at++;
    if (at === start) fail("a digit");
  };
  const word = (w: string) => {
    for (const c of w) {
      if (text[at] !== c) fail(`'${w}'`);
      at++;
    }
  };
  const string = () => {
    at++; // the opening quote
    for (;;) {
      if (at >= text.length) fail("'\"' to close the string");
      const c = text[at];
      if (c === '"') return void at++;
      if (c < " ") fail("'\"' to close the string (control characters and line breaks must be escaped, e.g. \\n)");
      if (c === "\\") {
        at++;
        if (at < text.length && '"\\/bfnrt'.includes(text[at])) at++;
        else if (text[at] === "u") {
          at++;
          for (let i = 0; i < 4; i++) {
            if (!/[0-9a-fA-F]/.test(text[at] ?? "")) fail("4 hex digits after \\u");
            at++;
          }
        } else fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
      } else at++;
    }
  };
  const value = (): void => {
    const c = text[at];
    if (c === "{") {
      at++;
      ws();
      if (text[at] === "}") return void at++;
      for (;;) {
        if (text[at] !== '"') fail("a property name in double quotes");
        string();
        ws();
        if (text[at] !== ":") fail("':' after the property name");
        at++;
        ws();
        value();
        ws();
        if (text[at] === "}") return void at++;
        if (text[at] !== ",") fail("',' or '}' after a property value");
        at++;
        ws();
      }
    }
    if (c === "[") {
      at++;
      ws();
      if (text[at] === "]") return void at++;
      for (;;) {
        value();
        ws();
        if (text[at] === "]") return void at++;
        if (text[at] !== ",") fail("',' or ']' after an array item");
        at++;
        ws();
      }
    }
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) {
      if (c === "-") at++;
      if (text[at] === "0") at++;
      else digits();
      if (text[at] === ".") {
        at++;
        digits();
      }
      if (text[at] === "e" || text[at] === "E") {
        at++;
        if (text[at] === "+" || text[at] === "-") at++;
        digits();
      }
      return;
    }
    if (c === "t") return word("true");
    if (c === "f") return word("false");
    if (c === "n") return word("null");
    fail("a value (object, array, string, number, true, false or null)");
  };
  try {
    ws();
    value();
    ws();
    if (at < text.length) fail("the end of the text");
  } catch (e) {
    if (e instanceof JsonStop) return e.describe(text);
    throw e;
  }
  return "JSON.parse: the text is not valid JSON";
}

/** How deep JSON.parse's value may nest in feature code. The VM rebuilds it recursively, one
 * call per level, and its stack overflows past about 95 levels in a shallow device callback
 * (measured); 64 leaves room for the feature's own calls and is more than configuration and
 * messages need. */
export const MAX_JSON_DEPTH = 64;

/** The message for a parsed value nested deeper than MAX_JSON_DEPTH, or undefined if it isn't. */
export function jsonTooDeep(value: unknown, text: string): string | undefined {
  if (depthOf(value, 0) <= MAX_JSON_DEPTH) return undefined;
  let depth = 0;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const c = text[at];
    if (inString) {
      if (c === "\\") at++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (depth > MAX_JSON_DEPTH) return new JsonStop(`at most ${MAX_JSON_DEPTH} levels of nested arrays and objects (the engine's stack is small)`, at).describe(text);
    } else if (c === "]" || c === "}") depth--;
  }
  return undefined;
}

function depthOf(value: unknown, above: number): number {
  if (typeof value !== "object" || value === null) return above;
  let deepest = above + 1;
  if (deepest > MAX_JSON_DEPTH) return deepest;
  for (const item of Object.values(value)) deepest = Math.max(deepest, depthOf(item, above + 1));
  return deepest;
}

class JsonStop {
  constructor(
    readonly expected: string,
    readonly position: number,
  ) {}

  describe(text: string): string {
    const before = text.slice(0, this.position);
    const line = before.split("\n").length;
    const column = this.position - before.lastIndexOf("\n");
    const found = this.position >= text.length ? "the end of the text" : JSON.stringify(text[this.position]);
    return `JSON.parse: expected ${this.expected} at line ${line} column ${column} (position ${this.position}), found ${found}`;
  }
}
