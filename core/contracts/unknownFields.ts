/** A field of an options object that nothing reads: a typo (`maxPerMinute`) would otherwise
 * leave the default in place without a word, and programs run through tsx or esbuild are not
 * type-checked. */

/** "`subject` unknown field "x"; `listed` a, b and c", or undefined when every name given is
 * known. `noun` is what the names are ("field" of an object, "option" of an API call). */
export function unknownFieldsProblem(given: readonly string[], known: readonly string[], subject: string, listed: string, noun = "field"): string | undefined {
  const unknown = given.filter((key) => !known.includes(key));
  if (!unknown.length) return undefined;
  return `${subject} unknown ${noun}${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}; ${listed} ${wordList(known)}`;
}

/** "a, b and c". */
function wordList(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
