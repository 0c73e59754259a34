import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cacheControlOf, contentTypeOf, IMMUTABLE_CACHE, isContentHashed, listSiteFiles, NO_CACHE } from "./dashboardFiles";

describe("dashboard site files", () => {
  it("recognises content-hashed names only", () => {
    // web/bundle writes app-<HASH>.js, styles-<HASH>.css, microvium-<HASH>.wasm (esbuild: A-Z, 0-9).
    for (const name of ["app.K3J4H5G6.js", "app-ZQXWVUTS.js", "styles-5WQ2Z7XA.css", "microvium-AB12CD34.wasm", "style.3f9c2a1b.css"]) assert.ok(isContentHashed(name), name);
    for (const name of ["index.html", "app.js", "app.settings.js", "app-abcdefgh.js", "app-K3J4.js", "favicon.ico"]) assert.ok(!isContentHashed(name), name);
    assert.equal(cacheControlOf("app.K3J4H5G6.js"), IMMUTABLE_CACHE);
    assert.equal(cacheControlOf("index.html"), NO_CACHE);
  });

  it("gives content types by extension", () => {
    assert.equal(contentTypeOf("index.html"), "text/html; charset=utf-8");
    assert.equal(contentTypeOf("a.B1C2D3E4.CSS"), "text/css; charset=utf-8");
    assert.equal(contentTypeOf("engine.wasm"), "application/wasm");
    assert.equal(contentTypeOf("unknown.xyz"), "application/octet-stream");
  });

  it("lists every file, nested ones by /-separated key, sorted", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-site-"));
    try {
      fs.mkdirSync(path.join(dir, "assets"));
      for (const file of ["index.html", "assets/app.K3J4H5G6.js", "assets/app.K3J4H5G6.css", "favicon.ico"]) fs.writeFileSync(path.join(dir, file), "x");
      const files = listSiteFiles(dir);
      assert.deepEqual(files.map((f) => f.key), ["assets/app.K3J4H5G6.css", "assets/app.K3J4H5G6.js", "favicon.ico", "index.html"]);
      assert.equal(files[1].source, path.join(dir, "assets", "app.K3J4H5G6.js"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("explains how to get a bundle when there is none", () => {
    assert.throws(() => listSiteFiles(path.join(os.tmpdir(), "sf-no-such-bundle")), /index.html does not exist. Build it with `npm run build`.*dashboardBundleDir/);
  });
});
