import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { COMMANDS } from "./commandSpecs";
import { main } from "./main";

const run = promisify(execFile);
const BIN = path.join(__dirname, "../bin/snapfleet.js");

/** Runs `snapfleet <args>` in this process (a process per case would take seconds each):
 * what it wrote to stdout and stderr, and its exit code. */
async function snapfleet(args: string[]) {
  const written = { stdout: "", stderr: "" };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string) => ((written.stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((written.stderr += chunk), true)) as typeof process.stderr.write;
  try {
    await main(args);
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
  const code = process.exitCode ?? 0;
  process.exitCode = previousExitCode;
  return { code, ...written };
}

describe("snapfleet help", () => {
  it("`snapfleet dev --help` as a process prints dev's usage and exits 0", async function () {
    this.timeout(60_000);
    const { stdout, stderr } = await run(process.execPath, [BIN, "dev", "--help"]); // rejects on a non-zero exit
    assert.equal(stderr, "");
    assert.match(stdout, /^usage: snapfleet dev <entry\.ts> \[options\]\n/);
    assert.match(stdout, /\n {2}--board NAME\|FILE\.json +the board the app runs on/);
  });

  for (const spec of COMMANDS) {
    it(`${spec.name} --help, -h and help ${spec.name} print its usage with every option and exit 0`, async () => {
      const results = [await snapfleet([spec.name, "--help"]), await snapfleet([spec.name, "-h"]), await snapfleet(["help", spec.name])];
      for (const r of results) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.match(r.stdout, new RegExp(`^usage: snapfleet ${spec.name} `));
        for (const option of Object.keys(spec.options)) assert.match(r.stdout, new RegExp(`\\n  --${option}\\b`), `--${option} in:\n${r.stdout}`);
        assert.match(r.stdout, /\n {2}-h, --help +print this help\n/);
      }
      assert.equal(results[1].stdout, results[0].stdout);
      assert.equal(results[2].stdout, results[0].stdout);
    });
  }

  it("--help wins over everything else on the line: nothing runs", async () => {
    const r = await snapfleet(["build", "no-such-entry.ts", "--out", "/nonexistent/x", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: snapfleet build/);
  });

  it("snapfleet, --help, -h and help list every command", async () => {
    for (const args of [[], ["--help"], ["-h"], ["help"]]) {
      const r = await snapfleet(args);
      assert.equal(r.code, 0, r.stderr);
      for (const spec of COMMANDS) assert.match(r.stdout, new RegExp(`\\n  snapfleet ${spec.name}\\b`), r.stdout);
    }
  });

  it("a wrong option prints that command's usage on stderr and exits 1; an unknown command names the commands", async () => {
    const bad = await snapfleet(["dev", "--devics", "2", "app.ts"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /snapfleet dev: unknown option --devics; dev takes the options below/);
    assert.match(bad.stderr, /usage: snapfleet dev <entry\.ts> \[options\]/);
    assert.doesNotMatch(bad.stderr, /usage: snapfleet build/);
    for (const args of [["deploy"], ["help", "deploy"]]) {
      const unknown = await snapfleet(args);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /unknown command "deploy"; the commands are dev, build, firmware, run-device, dashboard-link/);
    }
  });

  it("a board that doesn't exist or a pin model for a pin the board lacks is a usage error of dev, before anything starts", async () => {
    const board = await snapfleet(["dev", "features/app.ts", "--board", "arduino"]);
    assert.equal(board.code, 1);
    assert.match(board.stderr, /snapfleet dev: --board: unknown board "arduino"; built-in boards: simulated, esp32-devkitc, nano-33-iot/);
    const pin = await snapfleet(["dev", "features/app.ts", "--board", "esp32-devkitc", "--pin", "A2=const:1"]);
    assert.equal(pin.code, 1);
    assert.match(pin.stderr, /--pin A2=const:1: board "esp32-devkitc" has no pin "A2"; its analog pins are GPIO32-GPIO36, GPIO39/);
  });
  it("--version (and -v) prints the installed package's version and exits 0", async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, "../package.json"), "utf8"));
    for (const flag of ["--version", "-v"]) {
      const r = await snapfleet([flag]);
      assert.deepEqual(r, { code: 0, stdout: `snapfleet ${version}\n`, stderr: "" }, flag);
    }
  });
});
