import assert from "node:assert/strict";
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildWebBundle, isContentHashed } from "./buildWebBundle";

describe("dashboard bundle (esbuild)", function () {
  this.timeout(20000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sf-web-bundle-"));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes index.html and content-hashed JS, CSS and wasm that the page references relatively", async () => {
    const bundle = await buildWebBundle({ outDir: path.join(dir, "out") });
    assert.deepEqual(Object.keys(bundle.files).sort(), ["index.html", bundle.script, bundle.stylesheet, bundle.wasm].sort());
    for (const name of [bundle.script, bundle.stylesheet, bundle.wasm]) assert.ok(isContentHashed(name), name);
    const page = fs.readFileSync(path.join(bundle.outDir, "index.html"), "utf8");
    assert.ok(page.includes(`<script type="module" src="${bundle.script}">`));
    assert.ok(page.includes(`<link rel="stylesheet" href="${bundle.stylesheet}" />`));
    const script = fs.readFileSync(path.join(bundle.outDir, bundle.script), "utf8");
    assert.ok(script.includes(`"./${bundle.wasm}"`), "the script fetches the hashed wasm next to it");
    assert.doesNotMatch(script, /["']node:/, "no Node built-in is left for the browser to load");
    const wasm = fs.readFileSync(path.join(bundle.outDir, bundle.wasm));
    assert.ok(WebAssembly.validate(wasm));
  });

  it("starts from an empty folder, so stale hashed files are never uploaded", async () => {
    const outDir = path.join(dir, "again");
    fs.mkdirSync(outDir);
    fs.writeFileSync(path.join(outDir, "app-OLDHASH1.js"), "stale");
    const bundle = await buildWebBundle({ outDir });
    assert.equal(fs.existsSync(path.join(outDir, "app-OLDHASH1.js")), false);
    assert.equal(Object.keys(bundle.files).length, 4);
  });

  it("tells content-hashed names from the files that change in place", () => {
    assert.equal(isContentHashed("app-36JZWJBB.js"), true);
    assert.equal(isContentHashed("microvium-CH5EMNLZ.wasm"), true);
    for (const name of ["index.html", "manifest.json", "web.snap", "dashboard-config.json", "app.js", "app-x.js"]) assert.equal(isContentHashed(name), false, name);
  });
});
