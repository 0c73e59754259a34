/** A field of an options object that nothing reads: a typo (`maxPerMinute`) would otherwise
 * leave the default in place without a word, and programs run through tsx or esbuild are not
 * type-checked. */

/** "`subject` has unknown field "x"; `known` listed", or undefined when every field is known. */
export function unknownFieldsProblem(value: object, known: readonly string[], subject: string, listed: string): string | undefined {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (!unknown.length) return undefined;
  return `${subject} unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}; ${listed} ${wordList(known)}`;
}

/** "a, b and c". */
function wordList(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
