import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { writeApp } from "./support/tempFeatures";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "bin/snapfleet.js");

async function snapfleet(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("snapfleet CLI", function () {
  this.timeout(60_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "sf-cli-"));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("build prints the declarations and snapshot sizes and writes the build", async () => {
    const r = await snapfleet(["build", "examples/grow-station/features/app.ts", "--out", out, "--secrets-file", "examples/grow-station/dev-secrets.json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /app grow-station {2}version [0-9a-f]{12}/);
    assert.match(r.stdout, /channel +temperature +qos 0, both/);
    assert.match(r.stdout, /secret +ssid +device only/);
    assert.match(r.stdout, /device +\d+ B/);
    for (const f of ["manifest.json", "device.snap", "web.snap", "server.snap"]) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.ok(!fs.readFileSync(path.join(out, "manifest.json"), "utf8").includes("local-dev-only"), "secret value in manifest");
  });

  it("run-device prints each outgoing message as a JSON line", async () => {
    const r = await snapfleet(["run-device", out, "--seconds", "2.5", "--pin", "A2=const:22.04"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const temps = lines.filter((l) => l.channel === "temperature").map((l) => l.value);
    assert.ok(temps.length >= 2, r.stdout);
    assert.ok(temps.every((v) => v === 22), r.stdout);
    assert.deepEqual(lines.find((l) => l.channel === "event-log")?.value, 0);
    assert.match(r.stderr, /\[app\] wifi: credentials provisioned/);
  });

  it("run-device stops a callback that loops forever and keeps running; --instruction-budget sets the limit", async () => {
    const entry = writeApp(`  const beat = api.newCommsChannel<number>("beat", { qos: 0 });
  let ticks = 0;
  api.mcu.setInterval(() => { ticks++; if (ticks === 2) { while (true) {} } beat.pushMessageToServer(ticks); }, 250);`);
    const dir = path.join(out, "runaway");
    const built = await snapfleet(["build", entry, "--out", dir]);
    assert.equal(built.code, 0, built.stderr);
    const r = await snapfleet(["run-device", dir, "--seconds", "3", "--instruction-budget", "20000"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /error: the callback ran out of its instruction budget \(20,000 instructions per call\)/);
    const beats = r.stdout.trim().split("\n").map((l) => JSON.parse(l).value);
    assert.ok(beats[0] === 1 && beats.includes(3), `ticks after the runaway one still run: ${r.stdout}`);
    const bad = await snapfleet(["run-device", dir, "--instruction-budget", "lots"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--instruction-budget must be a whole number from 0 to 2147483647, got lots/);
  });

  it("build takes secrets from the environment and lists every missing one", async () => {
    const missing = await snapfleet(["build", "examples/grow-station/features/app.ts", "--out", path.join(out, "m")], { SNAPFLEET_SECRET_SSID: "" });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing value for secret "password"/);
    assert.match(missing.stderr, /SNAPFLEET_SECRET_PASSWORD/);
    assert.doesNotMatch(missing.stderr, /at .*\.ts:\d+/, "no stack trace for user errors");
    const ok = await snapfleet(["build", "examples/grow-station/features/app.ts", "--out", path.join(out, "e")], { SNAPFLEET_SECRET_SSID: "net", SNAPFLEET_SECRET_PASSWORD: "pw" });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it("explains usage mistakes", async () => {
    const unknown = await snapfleet(["deploy"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command "deploy"/);
    const noBuild = await snapfleet(["run-device", path.join(out, "nope")]);
    assert.match(noBuild.stderr, /manifest\.json not found; run `snapfleet build/);
    const badPin = await snapfleet(["run-device", out, "--pin", "A2=square:1"]);
    assert.match(badPin.stderr, /unknown model "square"; use sine, const or csv/);
  });
});
