// String members through the host: length, indexing, methods; number formatting; String().
function describe(s) {
  return [s.length, s[0], s[s.length - 1], s[99], s.charAt(1), s.charCodeAt(0), s.indexOf("l"), s.lastIndexOf("l"), s.includes("ell"), s.slice(1, 3), s.slice(-2), s.substring(2), s.toUpperCase(), s.toLowerCase(), s.startsWith("he"), s.endsWith("lo"), s.at(-1)];
}

export function run() {
  const s = "hello";
  const padded = "  trim me  ";
  const csv = "a,b,,c";
  const parts = csv.split(",");
  const words = [];
  for (let i = 0; i < s.length; i++) words.push(s[i]);
  return JSON.stringify([
    describe(s),
    padded.trim(),
    padded.trimStart(),
    parts,
    parts.length,
    csv.split(",", 2),
    "abc".split(""),
    "x".padStart(3, "-"),
    "7".padEnd(2, "0"),
    "ab".repeat(3),
    "a-b-c".replace("-", "+"),
    "a-b-c".replaceAll("-", "+"),
    (3.14159).toFixed(2),
    (255).toString(16),
    (12).toString(),
    String(42),
    String(null),
    String([1, [2, 3]]),
    String(true),
    "b".localeCompare("a"),
    words.join("."),
    [3, 1, 2].indexOf(2),
    [1, 2, 3].includes(3),
    [1, 2, 3].slice(1).length,
  ]);
}
