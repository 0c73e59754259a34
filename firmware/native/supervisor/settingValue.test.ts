/** supervisor/settingValue.c against core/settings/settingDecl.ts: the manifest's settings read
 * by core/manifest.c, and every accepted and refused value worded the same (wrong type, out of
 * range, not finite, too long, unknown setting) as the TypeScript device words them. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { assertSettingValue, findSetting, settingValueProblem, type SettingDecl } from "../../../core/settings/settingDecl";
import { endInput } from "../childInput";

const NATIVE = path.join(__dirname, "..");
const SETTINGS: SettingDecl[] = [
  { name: "setpoint", default: 21, min: 5, max: 35 },
  { name: "level", default: 3, min: 0 },
  { name: "ceiling", default: 0.5, max: 1 },
  { name: "mode", default: "auto" },
  { name: "on", default: true },
  { name: "label", default: 'say "hi"\n' },
];
const VALUES = [21, 4, 36, 5, 35, 0.5, -0, 1e21, -1e-7, 1.5, 1e400, "x", "", true, false, null, [1], { a: 1 }, undefined, "x".repeat(256), "x".repeat(257), "é".repeat(257), "€".repeat(41), "abcdefghij".repeat(4), `${"a".repeat(39)}"\\b`];

describe("firmware/native/supervisor/settingValue.c (C)", function () {
  this.timeout(120_000);
  let dir: string;
  let program: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-setting-c-"));
    const { compileCheck, OTA_SOURCES } = await import(path.join(NATIVE, "../../scripts/firmwareChecks.mjs"));
    const core = (OTA_SOURCES as string[]).filter((f) => !f.includes(`${path.sep}ota${path.sep}`));
    program = await compileCheck({ main: path.join(NATIVE, "supervisor/tests/settingValueCheck.c"), sources: [path.join(NATIVE, "supervisor/settingValue.c"), ...core], out: path.join(dir, "settingValueCheck") });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function check(manifest: object, cases: string[]): Promise<string[]> {
    const file = path.join(dir, "manifest.json");
    fs.writeFileSync(file, JSON.stringify(manifest));
    const child = promisify(execFile)(program, [file]);
    endInput(child.child, cases.map((c) => `${c}\n`).join("")); // a refused manifest exits before reading its cases
    const stdout = await child.then(
      (r) => r.stdout,
      (error: { code?: number; stdout?: string }) => {
        if (error.code !== 1) throw error;
        return `${error.stdout}`; // a manifest refused: exit status 1 and why
      },
    );
    return stdout.split("\n").slice(0, -1);
  }

  it("words every accepted and refused value as settingDecl.ts does", async () => {
    const cases: string[] = [];
    const expected: string[] = [];
    SETTINGS.forEach((decl, index) => {
      for (const value of VALUES) {
        cases.push(`${index}\t${value === undefined ? "undefined" : value === 1e400 ? "1e400" : JSON.stringify(value)}`);
        let refusal = "ok";
        try {
          assertSettingValue(decl, value);
        } catch (error) {
          refusal = (error as Error).message;
        }
        expected.push(`${settingValueProblem(decl, value) ?? "ok"}\t${refusal}`);
      }
    });
    const got = await check({ app: "thermo", settings: SETTINGS }, cases);
    assert.equal(got.length, expected.length);
    got.forEach((line, i) => assert.equal(line, expected[i], `case ${cases[i]}`));
    assert.ok(expected.filter((e) => e.startsWith("ok")).length > 10 && expected.filter((e) => !e.startsWith("ok")).length > 50, "both kinds are covered");
  });

  it("finds settings by name, and names the ones there are for an unknown one", async () => {
    const names = ["setpoint", "label", "nope", "set", ""];
    const expected = names.map((name) => {
      const found = findSetting(SETTINGS, name);
      return typeof found === "string" ? found : String(SETTINGS.indexOf(found));
    });
    assert.deepEqual(await check({ app: "thermo", settings: SETTINGS }, names.map((n) => `?\t${n}`)), expected);
    assert.deepEqual(await check({ app: "plain" }, ["?\tx"]), [findSetting([], "x")]);
  });

  it("refuses a manifest whose settings it can't read, saying what", async () => {
    assert.deepEqual(await check({ app: "a", settings: [{ name: "x" }] }, []), ['manifest: setting "x" has no default number, string or boolean']);
    assert.deepEqual(await check({ app: "a", settings: [{ default: 1 }] }, []), ["manifest: a setting has no name"]);
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `s${i}`, default: i }));
    assert.deepEqual(await check({ app: "a", settings: many }, []), ["manifest: more settings than an app may declare (64)"]);
  });
});
