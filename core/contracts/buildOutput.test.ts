/** The build folder as `snapfleet build --out` leaves it: the device snapshot holds the secrets'
 * values (the compiler gives them to the device part only), so it is readable by its owner alone,
 * also when an earlier build left a world-readable one in place. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("snapfleet build --out: file modes", function () {
  this.timeout(120_000);

  it("device.snap (the secrets' values) is 0600, the dashboard, server and manifest files keep the default; a 0644 one from before is tightened", function () {
    if (process.platform === "win32") this.skip();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "sf-build-modes-"));
    try {
      // an earlier build's device.snap, world-readable, as builds before this one left it
      fs.writeFileSync(path.join(out, "device.snap"), "old");
      fs.chmodSync(path.join(out, "device.snap"), 0o644);
      const run = spawnSync(process.execPath, ["bin/snapfleet.js", "build", "examples/grow-station/features/app.ts", "--secrets-file", "examples/grow-station/dev-secrets.json", "--out", out], { cwd: ROOT, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      const password = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")).password as string;
      assert.ok(fs.readFileSync(path.join(out, "device.snap")).includes(password), "the device snapshot holds the secret's value (why it is private)");
      assert.equal(mode(path.join(out, "device.snap")).toString(8), "600");
      const umaskDefault = (0o666 & ~process.umask()).toString(8);
      for (const file of ["web.snap", "server.snap", "manifest.json"]) {
        assert.ok(!fs.readFileSync(path.join(out, file)).includes(password), `${file} holds no secret`);
        assert.equal(mode(path.join(out, file)).toString(8), umaskDefault, file);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
