/** Test programs built from firmware/native sources outside the device program: the OTA checks
 * (firmware/native/ota/tests/), the fuzz harnesses (scripts/fuzz-firmware.mjs). One list of the
 * sources ota/ needs, so a new dependency is added once. */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { deviceTextsHeader } from "./deviceTextsHeader.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const native = path.join(root, "firmware/native");
/** The generated header the sources' texts come from (scripts/deviceTextsHeader.mjs), written
 * once per process (by rename: checks built at once by several processes see it whole). */
const GENERATED = path.join(root, "build/checks-gen");
fs.mkdirSync(GENERATED, { recursive: true });
const temporary = path.join(GENERATED, `sf_deviceTexts.h.${process.pid}`);
fs.writeFileSync(temporary, deviceTextsHeader());
fs.renameSync(temporary, path.join(GENERATED, "sf_deviceTexts.h"));

/** The include folders the OTA and core sources need: the core's, the engine glue's integer
 * layout, and the generated texts. */
export const CORE_INCLUDES = ["-I", path.join(native, "core"), "-I", path.join(root, "core/engine/glue"), "-I", GENERATED];

/** ota/ and what it links from core/ (the manifest reader) and the POSIX C-library shims. */
export const OTA_SOURCES = [
  ...fs.readdirSync(path.join(native, "ota")).filter((f) => f.endsWith(".c")).map((f) => path.join(native, "ota", f)),
  ...["manifest.c", "json.c", "textBuffer.c", "numberText.c", "utf16.c"].map((f) => path.join(native, "core", f)),
  path.join(native, "ports/posix/platform.c"),
];

const WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L", "-g"];

/** Compiles `main` with `sources` into `out`; rejects with the compiler's message. */
export async function compileCheck({ main, sources = OTA_SOURCES, out, cc = process.env.CC ?? "cc", flags = ["-O1"], libs = [] }) {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  try {
    await promisify(execFile)(cc, [...WARNINGS, ...flags, ...CORE_INCLUDES, main, ...sources, "-o", out, ...libs, "-lm"], { maxBuffer: 8 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`${cc} could not build ${path.relative(root, main)}:\n${error.stderr || error.message}${error.code === "ENOENT" ? `\n(no C compiler "${cc}": apt-get install gcc, or set CC)` : ""}`);
  }
  return out;
}
