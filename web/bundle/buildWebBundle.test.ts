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
    assert.deepEqual(Object.keys(bundle.files).sort(), ["index.html", bundle.script, ...bundle.chunks, bundle.stylesheet, bundle.wasm].sort());
    for (const name of [bundle.script, ...bundle.chunks, bundle.stylesheet, bundle.wasm]) assert.ok(isContentHashed(name), name);
    const page = fs.readFileSync(path.join(bundle.outDir, "index.html"), "utf8");
    assert.ok(page.includes(`<script type="module" src="${bundle.script}">`));
    assert.ok(page.includes(`<link rel="stylesheet" href="${bundle.stylesheet}" />`));
    const scripts = [bundle.script, ...bundle.chunks].map((name) => fs.readFileSync(path.join(bundle.outDir, name), "utf8"));
    assert.equal(scripts.filter((script) => script.includes(`"./${bundle.wasm}"`)).length, 1, "a script fetches the hashed wasm next to it");
    for (const script of scripts) assert.doesNotMatch(script, /["']node:/, "no Node built-in is left for the browser to load");
    const wasm = fs.readFileSync(path.join(bundle.outDir, bundle.wasm));
    assert.ok(WebAssembly.validate(wasm));
  });

  it("splits the script: the entry and the chunks it imports (preloaded by the page) draw the fleet table's first screen; the engine, MQTT and device page come after", async () => {
    const bundle = await buildWebBundle({ outDir: path.join(dir, "split") });
    const read = (name: string) => fs.readFileSync(path.join(bundle.outDir, name), "utf8");
    const entry = read(bundle.script);
    const imported = Array.from(entry.matchAll(/from\s*"\.\/([^"]+)"/g), (m) => m[1]);
    const page = read("index.html");
    for (const chunk of imported) assert.ok(page.includes(`<link rel="modulepreload" href="${chunk}" />`), `${chunk} is preloaded with the entry`);
    const firstScreen = [entry, ...imported.map(read)].join("\n");
    assert.match(firstScreen, /fleet-scroll/, "the fleet table is in the first part");
    assert.doesNotMatch(firstScreen, new RegExp(bundle.wasm.replace(".", "\\.")), "the engine is not in the first part");
    assert.doesNotMatch(firstScreen, /MQTT|new WebSocket/, "the MQTT client is not in the first part");
    const later = Array.from(entry.matchAll(/import\("\.\/([^"]+)"\)/g), (m) => m[1]);
    assert.equal(later.length, 1, "the rest of the dashboard is imported once");
    assert.match(later[0], /^startDashboard-[A-Z0-9]+\.js$/);
    assert.ok(bundle.chunks.includes(later[0]));
    const firstBytes = [bundle.script, ...imported].reduce((sum, name) => sum + bundle.files[name], 0);
    const allBytes = [bundle.script, ...bundle.chunks].reduce((sum, name) => sum + bundle.files[name], 0);
    assert.ok(firstBytes < allBytes / 3, `the first part is ${firstBytes} B of ${allBytes} B`);
  });

  it("starts from an empty folder, so stale hashed files are never uploaded", async () => {
    const outDir = path.join(dir, "again");
    fs.mkdirSync(outDir);
    fs.writeFileSync(path.join(outDir, "app-OLDHASH1.js"), "stale");
    const bundle = await buildWebBundle({ outDir });
    assert.equal(fs.existsSync(path.join(outDir, "app-OLDHASH1.js")), false);
    assert.deepEqual(fs.readdirSync(outDir).sort(), Object.keys(bundle.files).sort());
  });

  it("tells content-hashed names from the files that change in place", () => {
    assert.equal(isContentHashed("app-36JZWJBB.js"), true);
    assert.equal(isContentHashed("microvium-CH5EMNLZ.wasm"), true);
    for (const name of ["index.html", "manifest.json", "web.snap", "dashboard-config.json", "app.js", "app-x.js"]) assert.equal(isContentHashed(name), false, name);
  });
});
