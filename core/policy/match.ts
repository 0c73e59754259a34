/** AWS IoT policy pattern matching: `*` matches any run of characters (crossing `/`), `?` exactly
 * one, everything else literally, including MQTT's `+` and `#`. `${...}` is a policy variable,
 * substituted before matching; its value is always literal, so a client id containing `*` can't
 * widen a policy. `${*}`, `${?}` and `${$}` stand for the literal characters (IAM convention). */

const STAR = Symbol("*");
const ONE = Symbol("?");
type Token = string | typeof STAR | typeof ONE;
type Part = Token | { variable: string };

/** Variable name -> value; undefined (or "") means the variable can't be resolved. */
export type VariableResolver = (name: string) => string | undefined;

const LITERAL_VARIABLES: Record<string, string> = { "*": "*", "?": "?", $: "$" };

// The broker evaluates on every message; policies hold few distinct patterns, so parse once.
const parsedPatterns = new Map<string, Part[]>();
const MAX_CACHED_PATTERNS = 10_000;

function parse(pattern: string): Part[] {
  const cached = parsedPatterns.get(pattern);
  if (cached) return cached;
  const parts: Part[] = [];
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith("${", i)) {
      const end = pattern.indexOf("}", i + 2);
      if (end >= 0) {
        parts.push({ variable: pattern.slice(i + 2, end) });
        i = end + 1;
        continue;
      }
    }
    const char = String.fromCodePoint(pattern.codePointAt(i)!);
    parts.push(char === "*" ? STAR : char === "?" ? ONE : char);
    i += char.length;
  }
  if (parsedPatterns.size >= MAX_CACHED_PATTERNS) parsedPatterns.clear();
  parsedPatterns.set(pattern, parts);
  return parts;
}

/** Substitutes variables; undefined when one has no value (AWS: the resource then never matches). */
function resolve(parts: Part[], variables: VariableResolver): Token[] | undefined {
  const tokens: Token[] = [];
  for (const part of parts) {
    if (typeof part !== "object") {
      tokens.push(part);
      continue;
    }
    const value = LITERAL_VARIABLES[part.variable] ?? variables(part.variable);
    if (value === undefined || value === "") return undefined;
    tokens.push(...Array.from(value));
  }
  return tokens;
}

/** Greedy wildcard matching with backtracking to the last `*`: O(pattern x text) worst case,
 * no regular expressions built from policy text. */
function matchTokens(pattern: Token[], text: string[]): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let starText = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === ONE || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === STAR) {
      starAt = p++;
      starText = t;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === STAR) p++;
  return p === pattern.length;
}

/** Case-sensitive match of a policy pattern (e.g. a Resource entry) against a concrete value. */
export function matchesPattern(pattern: string, value: string, variables: VariableResolver = () => undefined): boolean {
  const tokens = resolve(parse(pattern), variables);
  return tokens !== undefined && matchTokens(tokens, Array.from(value));
}

/** A value test for a pattern whose variables are resolved now (once per connection in the
 * broker), or undefined when a variable has no value (the pattern then never matches). Decides
 * exactly like `matchesPattern`; the common shapes (no wildcard, `*` only) skip splitting the
 * value into code points. */
export function compilePattern(pattern: string, variables: VariableResolver = () => undefined): ((value: string) => boolean) | undefined {
  const tokens = resolve(parse(pattern), variables);
  if (tokens === undefined) return undefined;
  // `?` counts code points, and a literal surrogate half could match half of a pair in a string
  // search: both go the general way.
  const literalRuns = starSeparatedLiterals(tokens);
  return literalRuns === undefined ? tokenMatcher(tokens) : literalRuns.length === 1 ? equalityMatcher(literalRuns[0]) : starGlobMatcher(literalRuns);
}

// Each matcher is made in a function of its own, so its closure keeps only what it uses (a
// closure made in compilePattern would keep the token array alive: ~40 KiB per connection).
function tokenMatcher(tokens: Token[]): (value: string) => boolean {
  return (value) => matchTokens(tokens, Array.from(value));
}

function equalityMatcher(literal: string): (value: string) => boolean {
  return (value) => value === literal;
}

function starGlobMatcher(runs: string[]): (value: string) => boolean {
  return (value) => matchesStarGlob(runs, value);
}

/** The literal runs between `*`s (`a*b*` -> ["a", "b", ""]), or undefined if the pattern has a `?`
 * or a surrogate code unit. */
function starSeparatedLiterals(tokens: Token[]): string[] | undefined {
  // Joined from arrays: a string grown one character at a time is a rope of that many pieces.
  const runs: string[][] = [[]];
  for (const token of tokens) {
    if (token === ONE) return undefined;
    if (token === STAR) runs.push([]);
    else if (/[\uD800-\uDFFF]/.test(token)) return undefined;
    else runs[runs.length - 1].push(token);
  }
  return runs.map((run) => run.join(""));
}

/** `runs` joined by `*`: the first run is a prefix, the last a suffix, the middle ones found
 * leftmost in order (leftmost is always safe for `*`-only patterns). */
function matchesStarGlob(runs: string[], value: string): boolean {
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < runs.length - 1; i++) {
    const found = value.indexOf(runs[i], at);
    if (found < 0 || found + runs[i].length > end) return false;
    at = found + runs[i].length;
  }
  return true;
}
