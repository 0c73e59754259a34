/** The files the docs send a reader to exist: a path in backticks under one of the repository's
 * folders (`core/...`, `components/...`) names a file or folder of this checkout, from the
 * repository root or, for a page in a subfolder (firmware/native/README.md), from its folder. A
 * file that moved leaves the docs pointing nowhere; this says which page and path. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..");
const TOP_FOLDERS = ["bench", "cli", "components", "core", "docs", "examples", "firmware", "lambda", "local", "scripts", "test", "web"];
const PATH_IN_BACKTICKS = new RegExp(`\`((?:${TOP_FOLDERS.join("|")})/[^\`\\s]*)\``, "g");

function pages(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f));
  return ["README.md", ...docs, path.join("firmware", "native", "README.md")];
}

describe("paths the docs name exist", () => {
  for (const page of pages()) {
    it(page, () => {
      const text = fs.readFileSync(path.join(ROOT, page), "utf8");
      const missing: string[] = [];
      for (const [, named] of text.matchAll(PATH_IN_BACKTICKS)) {
        const file = named.replace(/:[\d:]+$/, ""); // a file:line
        if (/[*<>{}]/.test(file)) continue; // a pattern, not a path
        const found = [ROOT, path.join(ROOT, path.dirname(page))].some((base) => fs.existsSync(path.join(base, file)));
        if (!found) missing.push(named);
      }
      assert.deepEqual([...new Set(missing)], [], `${page} names paths that don't exist`);
    });
  }
});
