/** docs/architecture.md's "Layers and who may import whom" is what the code does: each folder of
 * the table imports, from the rest of the repository, only the folders its "may import" column
 * names in backticks (`core` covers every `core/...`; `—` names none). Tests and test support
 * are left out: they may reach anywhere. A folder of the repository no row covers fails too. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..");
const DOC = path.join(ROOT, "docs", "architecture.md");
const IMPORT = /(?:\bfrom|\bimport|\brequire\()\s*\(?\s*"(\.{1,2}\/[^"]*)"/g;

interface Row {
  folder: string;
  mayImport: string[];
}

function layerRows(): Row[] {
  const doc = fs.readFileSync(DOC, "utf8");
  const section = doc.split("## Layers and who may import whom")[1]?.split("\n## ")[0];
  assert.ok(section, "docs/architecture.md has the section");
  const rows: Row[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const folder = /^`([a-z/A-Z]+)\/`$/.exec(cells[1] ?? "")?.[1];
    if (!folder) continue;
    const mayImport = [...(cells[3] ?? "").matchAll(/`([a-zA-Z]+(?:\/[a-zA-Z]+)*)`/g)].map((m) => m[1]);
    rows.push({ folder, mayImport });
  }
  return rows;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "testSupport" && entry.name !== "tests" && entry.name !== "fuzz") yield* sourceFiles(file);
    } else if (/\.ts$/.test(entry.name) && !/\.(test|slow|bench)\.ts$|\.d\.ts$/.test(entry.name)) {
      yield file;
    }
  }
}

/** The row a repository path belongs to: the longest folder that holds it. */
function rowOf(rows: Row[], relative: string): Row | undefined {
  return rows.filter((r) => relative === r.folder || relative.startsWith(`${r.folder}/`)).sort((a, b) => b.folder.length - a.folder.length)[0];
}

describe("docs/architecture.md: who may import whom", () => {
  const rows = layerRows();

  it("the table has a row for every folder of core/ and each top folder of code", () => {
    const folders = [...fs.readdirSync(path.join(ROOT, "core"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `core/${e.name}`), "firmware", "local", "web", "components", "lambda", "cli"];
    const missing = folders.filter((f) => !rows.some((r) => r.folder === f));
    assert.deepEqual(missing, [], "folders the table doesn't list");
  });

  it("each folder imports only what its row allows", () => {
    const problems: string[] = [];
    for (const row of rows) {
      for (const file of sourceFiles(path.join(ROOT, row.folder))) {
        const from = path.relative(ROOT, file).split(path.sep).join("/");
        if (rowOf(rows, from) !== row) continue; // a deeper row's file
        for (const [, specifier] of fs.readFileSync(file, "utf8").matchAll(IMPORT)) {
          const target = path.relative(ROOT, path.resolve(path.dirname(file), specifier)).split(path.sep).join("/");
          const targetRow = rowOf(rows, target);
          if (targetRow === row || target.startsWith("..")) continue;
          const to = targetRow?.folder ?? target.split("/")[0];
          const allowed = row.mayImport.some((m) => to === m || to.startsWith(`${m}/`));
          if (!allowed) problems.push(`${from} imports ${to} (${specifier}); its row allows ${row.mayImport.join(", ") || "nothing"}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});
