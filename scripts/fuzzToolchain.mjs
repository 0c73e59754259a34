// The fuzzing toolchain both fuzz scripts need (fuzz-native.mjs, fuzz-native-restore.mjs): clang
// with libFuzzer and the sanitizers' runtime, from Debian like the project's other tools (apt when
// root, else the command to run). Returns the compiler to call.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureDebianPackages } from "./debianPackages.mjs";

/** `fail(message)` ends the caller (it never returns). FUZZ_CC names another compiler: the user's to install. */
export function ensureFuzzToolchain(fail) {
  const clang = process.env.FUZZ_CC || "clang";
  const clangWorks = () => {
    try {
      execFileSync(clang, ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  if (!clangWorks()) {
    if (process.env.FUZZ_CC) fail(`${clang} (FUZZ_CC) is missing`);
    ensureDebianPackages(["clang"], "clang is missing (libFuzzer comes with Debian's clang)", { fail });
    if (!clangWorks()) fail("clang was installed but does not run");
  }
  // libFuzzer's and the sanitizers' runtime is a package of its own (Debian: libclang-rt-<major>-dev,
  // only "recommended" by clang, so an install without recommends lacks it).
  const clangOutput = (...args) => execFileSync(clang, args, { encoding: "utf8" }).trim();
  const fuzzerRuntime = () => path.join(clangOutput("-print-resource-dir"), "lib/linux", `libclang_rt.fuzzer-${clangOutput("-dumpmachine").split("-")[0]}.a`);
  if (!fs.existsSync(fuzzerRuntime())) {
    const runtimePackage = `libclang-rt-${clangOutput("-dumpversion").split(".")[0]}-dev`;
    ensureDebianPackages([runtimePackage], `libFuzzer's runtime (${fuzzerRuntime()}) is missing`, { fail });
    if (!fs.existsSync(fuzzerRuntime())) fail(`${runtimePackage} was installed but ${fuzzerRuntime()} is still missing`);
  }
  return clang;
}
