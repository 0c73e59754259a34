/** scripts/build-firmware.mjs as a user meets it: an unchanged tree is not rebuilt; the core stays
 * freestanding (an #include of a C-library header there fails the build, naming file and header);
 * a host id added in TypeScript and not served in C (runtime or standard library) fails the build
 * instead of drifting; a
 * missing compiler is named with how to get one; OpenSSL and Paho are linked in from their static
 * archives with packed relocations (the device's resident memory, bench/native.bench.ts). Each broken tree is a copy in a temp folder. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
type Build = (options: Record<string, unknown>) => Promise<{ program: string; skipped: boolean }>;
let buildFirmware: Build;
const temps: string[] = [];

/** A copy of the sources the firmware build reads (firmware/native and the host-id files). */
function sourceCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-firmware-src-"));
  temps.push(dir);
  fs.cpSync(path.join(ROOT, "firmware/native"), path.join(dir, "firmware/native"), { recursive: true, filter: (f) => !f.endsWith(".ts") });
  for (const file of ["core/runtime/hostIds.ts", "core/runtime/stdlib/hostIds.ts"]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  return dir;
}

describe("snapfleet firmware build (scripts/build-firmware.mjs)", function () {
  this.timeout(600_000);

  before(async () => {
    ({ buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string));
    await buildFirmware({ log: () => {} });
  });
  after(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it("skips the build when no input changed", async () => {
    const lines: string[] = [];
    const result = await buildFirmware({ log: (line: string) => lines.push(line) });
    assert.equal(result.skipped, true);
    assert.match(lines.join("\n"), /snapfleet-device up to date/);
    assert.ok(fs.statSync(result.program).size > 100_000);
  });

  it("links OpenSSL and Paho into the program from their archives, relocations packed: no shared libcrypto to load per device", async () => {
    const { program } = await buildFirmware({ log: () => {} });
    const archives = ["libssl.a", "libcrypto.a", "libpaho-mqtt3as.a"];
    const missing = archives.filter((a) => !path.isAbsolute(execFileSync(process.env.CC ?? "cc", [`-print-file-name=${a}`], { encoding: "utf8" }).trim()));
    assert.deepEqual(missing, [], "this machine's -dev packages (libssl-dev, libpaho-mqtt-dev) ship these archives");
    const dynamic = execFileSync("readelf", ["--dynamic", program], { encoding: "utf8" });
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    assert.ok(needed.includes("libcjson.so.1") && needed.some((n) => n.startsWith("libc.so")), `the program's shared libraries: ${needed.join(", ")}`);
    assert.deepEqual(needed.filter((n) => /^lib(ssl|crypto|paho)/.test(n)), [], `linked as shared libraries: ${needed.join(", ")}`);
    assert.match(dynamic, /\(RELR\)/, "relative relocations packed (-z pack-relative-relocs)");
    const exported = execFileSync("nm", ["--dynamic", "--defined-only", program], { encoding: "utf8" });
    assert.doesNotMatch(exported, /\b(SSL|EVP|MQTTAsync)_\w+/, "the program must not export OpenSSL's symbols: the download's libcurl binds its own libssl");
  });

  it("refuses a C-library header in the core, naming the file and the header", async () => {
    const src = sourceCopy();
    const file = path.join(src, "firmware/native/supervisor/outbox.c");
    fs.writeFileSync(file, `#include <string.h>\n${fs.readFileSync(file, "utf8")}`);
    await assert.rejects(buildFirmware({ sourceRoot: src, outDir: path.join(src, "out"), log: () => {} }), (error: Error) => {
      assert.match(error.message, /supervisor\/outbox\.c: it includes <string\.h>, which core\/, supervisor\/, ota\/, link\/ may not/);
      return true;
    });
  });

  /** A copy whose host-id file gains `added` after `after` must fail to build in `cFile`, naming `id`. */
  async function assertNewIdFailsBuild(idFile: string, after: string, added: string, cFile: RegExp, id: RegExp) {
    const src = sourceCopy();
    const file = path.join(src, idFile);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(after, `${after}\n${added}`));
    await assert.rejects(buildFirmware({ sourceRoot: src, outDir: path.join(src, "out"), log: () => {} }), (error: Error) => {
      assert.match(error.message, cFile);
      assert.match(error.message, id);
      return true;
    });
  }

  it("fails when hostIds.ts gains an id the C dispatcher doesn't serve", async () => {
    await assertNewIdFailsBuild("core/runtime/hostIds.ts", "  Now = 22,", "  Vibrate = 23,", /core\/vm\.c/, /SF_HOST_VIBRATE.* not handled/);
  });

  it("fails when the standard library's hostIds.ts gains an id standardLibrary.c doesn't handle", async () => {
    await assertNewIdFailsBuild("core/runtime/stdlib/hostIds.ts", "  JsonParse = 146,", "  MathHypot = 147,", /core\/standardLibrary\.c/, /SF_STDLIB_MATH_HYPOT.* not handled/);
  });

  it("names a compiler that doesn't run and how to get one", async () => {
    const saved = process.env.CC;
    process.env.CC = "/nonexistent/cc";
    try {
      await assert.rejects(buildFirmware({ outDir: path.join(os.tmpdir(), "sf-firmware-nocc"), log: () => {} }), /the C compiler \/nonexistent\/cc does not run; set CC .* apt-get install gcc/);
    } finally {
      if (saved === undefined) delete process.env.CC;
      else process.env.CC = saved;
    }
  });
});
