// Builds the native device program (firmware/native/, C99) with the machine's C compiler:
// `snapfleet firmware build --target posix` → build/firmware/posix/snapfleet-device; and the
// bare-metal Cortex-M images with gcc-arm-none-eabi + newlib-nano (`--target cortex-m33`, the
// QEMU mps2-an505 board; `--target cortex-m0plus`, size only) → snapfleet-device.elf and a size
// table against firmware/native/sizeBudget.json (scripts/firmwareSize.mjs).
//
// - Microvium's engine comes from node_modules/microvium/dist-c, patched from
//   scripts/enginePatches.mjs (the same list as the WebAssembly build), never copied into the repo.
// - Generated headers (in <out>/gen): the host ids from core/runtime/hostIds.ts
//   (scripts/hostIdsHeader.mjs), the engine's error texts (scripts/engineErrorsHeader.mjs), the
//   feature runtime's error texts (scripts/runtimeErrorsHeader.mjs), the settings shadow's
//   topics (scripts/shadowTopicsHeader.mjs), the texts a small image sends as codes
//   (scripts/deviceTextsHeader.mjs, from firmware/native/deviceTexts.json), the
//   built-in boards and the engine id from the compiled TypeScript (dist/, `npm run build`), so
//   the C side can't drift from them.
// - core/, supervisor/ and ota/ must stay freestanding (Cortex-M is next): they are compiled once
//   more with -ffreestanding -nostdinc against only the freestanding headers, and any other
//   #include fails the build.
// - Skipped when the inputs are unchanged (scripts/buildStamp.mjs).
// - A missing compiler or library is named with the Debian package that provides it; as root
//   with apt-get the packages are installed (as scripts/ensure-chromium.mjs does).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hashInputs, readStamp, writeStamp } from "./buildStamp.mjs";
import { withBuildLock } from "./buildLock.mjs";
import { ENGINE_PATCHES_FILE, patchEngine } from "./enginePatches.mjs";
import { engineErrorsHeader } from "./engineErrorsHeader.mjs";
import { runtimeErrorsHeader } from "./runtimeErrorsHeader.mjs";
import { shadowTopicsHeader } from "./shadowTopicsHeader.mjs";
import { CLAIM_API_SOURCES, claimApiHeader } from "./claimApiHeader.mjs";
import { DEVICE_TEXTS_FILE, deviceTextsHeader, readDeviceTexts } from "./deviceTextsHeader.mjs";
import { HOST_ID_SOURCES, hostIdsHeader } from "./hostIdsHeader.mjs";
import { appImports } from "./snapshotImports.mjs";
import { SIZE_BUDGET_FILE, formatEngineImage, formatSecureImage, formatSizeTable, limitDefines, overBudget, overEngineBudget, overSecureBudget, readHeapBudget, readSizeBudget, readStackBudget, sizeReport } from "./firmwareSize.mjs";
import { ensureDebianPackages } from "./debianPackages.mjs";
import { STACK_CALLS_FILE, analyzeImage, hasStackCalls } from "./stackDepth.mjs";
import { measureVmAllocation } from "./vmAllocation.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NATIVE = "firmware/native";
/** The WebAssembly engine's glue: the engine settings both ports share and the number formatting. */
export const GLUE = path.join(root, "core/engine/glue");
/** Microvium's C source, wherever npm put the package (hoisted in an installed project). */
export const ENGINE_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve("microvium/package.json")), "dist-c");
export const PROGRAM = "snapfleet-device";

/** The Cortex-M33 of QEMU's mps2-an505; the TrustZone target builds the same program with it. */
const CORTEX_M33 = {
  kind: "mcu",
  port: "mps2-an505",
  common: "cortex-m",
  shares: "posix",
  cpu: ["-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"],
  optimize: "-O2",
  linkerScript: "ports/mps2-an505/mps2-an505.ld",
  // with the FPU on, exception entry stacks s0-s15 and FPSCR too: 26 words plus alignment
  exceptionFrameBytes: 108,
  // newlib declares nanosleep only for ports that provide POSIX timers (syscalls.c does), and
  // has POSIX's getline under the name __getline.
  defines: ["-D_POSIX_TIMERS=1", "-Dgetline=__getline"],
  // The shared POSIX files print uint32_t with %u; here uint32_t is unsigned long, the same 32
  // bits, so the output is right and only gcc's format check differs.
  sharedFlags: ["-Wno-format"],
  // run-device's banner prints its --seconds with %g (newlib-nano leaves float printf out
  // unless asked); the device's own numbers don't use printf (ports/cortex-m/platform.c).
  linkFlags: ["-u", "_printf_float"],
  // The board the image is (core/boards): its link device refuses a package built for another.
  board: "simulated",
};

/** What each target is built with. An `mcu` target compiles core/, supervisor/, ota/, link/,
 * its port and `common` (ports/cortex-m: what every Cortex-M port shares: SysTick, newlib's heap,
 * numbers as text without printf/strtod); `shares` names a port whose top-level hosted-C files
 * (stdio from newlib) it builds too, unless the port or `common` has a file of the same name
 * (mps2-an505's clock.c replaces posix's clock.c, cortex-m's platform.c posix's platform.c).
 * `linkFlags`: extra linker arguments. */
export const TARGET_SPECS = {
  posix: { kind: "host" },
  "cortex-m33": CORTEX_M33,
  // The same device program as cortex-m33, as the non-secure image of a TrustZone build
  // (ports/mps2-an505-tz/): its secure image (`secureImage`, compiled with -mcmse) starts first,
  // opens the non-secure world and calls it. A target of its own, not a flag of cortex-m33: two
  // ELFs instead of one, its own output folder and build stamp, and the plain image unchanged.
  // `budgetOf`: the budget it shares (the same program). Its stack analysis takes cortex-m33's
  // list (stackCalls.json "extends") and counts the secure entry functions on the secure stack.
  "cortex-m33-tz": {
    ...CORTEX_M33,
    budgetOf: "cortex-m33",
    linkerScript: "ports/mps2-an505-tz/nonSecure.ld",
    defines: [...CORTEX_M33.defines, "-DSF_AN505_NONSECURE=1"],
    // ports/mps2-an505-tz/nonSecure: what this image adds to the port or replaces (a file of
    // the same name: random.c, linkUart.c and storage.c ask the secure image)
    overlay: "mps2-an505-tz/nonSecure",
    secureImage: {
      // what the secure world owns, the plain port's own files: randomness, the link's UART
      // (UART1), storage, and what they use
      sources: ["ports/mps2-an505-tz/secure", "ports/mps2-an505/semihosting.c", "ports/mps2-an505/faultReport.c", "ports/mps2-an505/random.c", "ports/mps2-an505/linkUart.c", "ports/mps2-an505/uart.c", "ports/mps2-an505/storage.c"],
      linkerScript: "ports/mps2-an505-tz/secure.ld",
      // its stack (sizeBudget.json) and its pointer calls (stackCalls.json) under this name
      name: "cortex-m33-tz-secure",
      // The most the core stacks on the secure stack at once: a non-secure interrupt taken
      // while an entry function runs pushes the basic frame (8 words), the FPU's (s0-s15,
      // FPSCR, one reserved: 18) and, leaving the secure state, the additional state context
      // (r4-r11, the integrity signature, one reserved: 10), 4 B of realignment: 148 B. More
      // than a secure fault's 108 B; s16-s31 would add 64 B with FPCCR.TS set, which this
      // image leaves clear (Armv8-M Architecture Reference Manual, DDI 0553, "Exception entry,
      // context stacking").
      exceptionFrameBytes: 148,
    },
  },
  // The supervisor in the secure world (ports/mps2-an505-tz-supervisor/): the device program
  // (supervisor/, ota/, link/, the main loop, the clock, the UARTs, the app slots and state
  // area) is the secure image, compiled with -mcmse, its core/vm.c replaced by calls into the
  // engine (`leaveOut`, the overlay's engineProxy.c); the engine (core/: Microvium, the VM host,
  // the standard library) is the non-secure `engineImage`, which reaches the app's host through
  // the secure image's entry functions (its import library). A target of its own rather than a
  // change of cortex-m33-tz: every app call crosses here, and cortex-m33-tz stays the measured
  // base (firmware/native/README.md, "TrustZone"). Each image has its heap of its own
  // (sizeBudget.json "cortex-m33-tz-supervisor" and "cortex-m33-tz-engine").
  "cortex-m33-tz-supervisor": {
    ...CORTEX_M33,
    // its own budget (sizeBudget.json "cortex-m33-tz-supervisor"): the secure heap holds no VM
    linkerScript: "ports/mps2-an505-tz-supervisor/secure.ld",
    defines: [...CORTEX_M33.defines, "-DSF_TZ_SECURE_SUPERVISOR=1"],
    overlay: "mps2-an505-tz-supervisor/secure",
    cmse: true,
    leaveOut: ["core/vm.c"],
    extraSources: ["ports/mps2-an505-tz/secure/securityControllers.c", "ports/mps2-an505-tz/secure/nonSecureMemory.c"],
    engineImage: {
      // core/ (tests excluded), what every Cortex-M port shares (the heap, numbers as text) and
      // the engine's side of the boundary; Microvium's engine too
      sources: ["core", "ports/cortex-m", "ports/mps2-an505-tz-supervisor/nonSecure"],
      linkerScript: "ports/mps2-an505-tz-supervisor/engine.ld",
      // its heap (the VM's memory) and stack: sizeBudget.json; its pointer calls: stackCalls.json
      name: "cortex-m33-tz-engine",
      // what the secure image calls besides the reset handler (the stack analysis's roots)
      threadEntries: ["sf_engineServer_serve"],
    },
  },
  // Size only: the link device (link/linkDevice.c) with the Nano 33 IoT's own pins
  // (ports/cortex-m0plus/nanoBoard.c), no network stack.
  "cortex-m0plus": {
    kind: "mcu",
    port: "cortex-m0plus",
    common: "cortex-m",
    cpu: ["-mcpu=cortex-m0plus", "-mthumb"],
    optimize: "-Os",
    linkerScript: "ports/cortex-m0plus/cortex-m0plus.ld",
    // Error texts as codes the co-processor expands (firmware/native/deviceTexts.ts): 9.5 KB of
    // words off the flash.
    defines: ["-DSF_CODED_TEXTS=1"],
    board: "nano-33-iot",
    exceptionFrameBytes: 32, // r0-r3, r12, lr, pc, xPSR stacked on exception entry (+4 alignment is not needed: 8-byte frames)
  },
};
export const TARGETS = Object.keys(TARGET_SPECS);
const CROSS_CC = "arm-none-eabi-gcc";

/** Folders that must compile freestanding, and the only system headers they may include. */
const FREESTANDING_DIRS = ["core", "supervisor", "ota", "link"];
const FREESTANDING_HEADERS = ["stddef.h", "stdint.h", "stdint-gcc.h", "stdbool.h", "stdarg.h", "float.h", "limits.h", "syslimits.h"];
/** Sources that are not part of the device program (test drivers, the fuzz harness). */
const NOT_DEVICE = [/\/tests?\//, /\/fuzz\//];

// -Wno-format-truncation: snprintf into a fixed buffer truncating is the intent wherever we use it.
const C_FLAGS = ["-std=c99", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-Wno-format-truncation", "-D_GNU_SOURCE"];
const ENGINE_FLAGS = ["-std=gnu11", "-O2", "-g", "-w"]; // third-party source: its warnings are not ours to fix

/** Libraries the network port links, with where they come from. `archives`: linked statically
 * when the -dev package ships them (Debian's do), else as shared libraries. Resident memory of a
 * networked device (bench/native.bench.ts, NATIVE_BENCH=rss): shared libcrypto was 4.1 MB of its
 * 8.2 MB, 1.2 MB of it only from loading: ld.so reads its 406 KB of relocations (17,000 pointers)
 * and writes the 392 KB of pointer tables they patch, in every process. Linked into the program
 * with packed relocations (RELR_FLAGS) that table is 6 KB: 6.8 MB in all. The cost: an OpenSSL
 * or Paho security update reaches the device with the next `snapfleet firmware build`. */
const LIBRARIES = [
  { name: "Eclipse Paho MQTT C", header: "MQTTAsync.h", link: ["-lpaho-mqtt3as"], archives: ["libpaho-mqtt3as.a"], debian: "libpaho-mqtt-dev", neededBy: "ports/posix/net" },
  // Opened at a download, not linked (ports/posix/net/curlLibrary.h: 4 MB less resident memory).
  { name: "libcurl", header: "curl/curl.h", link: ["-ldl"], debian: "libcurl4-openssl-dev", neededBy: "ports/posix/net" },
  { name: "cJSON", header: "cjson/cJSON.h", link: ["-lcjson"], debian: "libcjson-dev", neededBy: "ports/posix/net" },
  { name: "OpenSSL", header: "openssl/ssl.h", link: ["-lssl", "-lcrypto"], archives: ["libssl.a", "libcrypto.a"], debian: "libssl-dev", neededBy: "ports/posix/net" },
];
/** Relative relocations packed (DT_RELR: binutils 2.38, glibc 2.36); a toolchain without them
 * links without (compileAndLink). */
const RELR_FLAGS = ["-Wl,-z,pack-relative-relocs"];

/** The linker arguments for the libraries: each one's archives where the compiler finds them all
 * (`cc -print-file-name` answers the bare name when it doesn't), else its shared library; and the
 * archives linked in, with size and time, for the build stamp: an updated package relinks. */
function libraryLinkFlags(cc, libraries) {
  const locate = (archive) => {
    try {
      const found = execFileSync(cc, [`-print-file-name=${archive}`], { encoding: "utf8" }).trim();
      return path.isAbsolute(found) ? found : undefined;
    } catch {
      return undefined;
    }
  };
  const flags = [];
  const archives = [];
  for (const library of libraries) {
    const found = (library.archives ?? []).map(locate);
    if (found.length && found.every(Boolean)) {
      flags.push("-Wl,-Bstatic", ...library.link, "-Wl,-Bdynamic");
      archives.push(...found.map((file) => `${file} ${fs.statSync(file).size} ${fs.statSync(file).mtimeMs}`));
    } else flags.push(...library.link);
  }
  return { flags, archives };
}

export class FirmwareBuildError extends Error {}

function fail(message) {
  throw new FirmwareBuildError(message);
}

/** Installs Debian packages when that can happen non-interactively (root + apt-get); else says how. */
function ensurePackages(packages, why, log) {
  ensureDebianPackages(packages, why ? `build-firmware: ${why}` : why, { log, fail });
}

function compilerVersion(cc) {
  try {
    return execFileSync(cc, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0];
  } catch {
    return undefined;
  }
}

/** The cross compiler and newlib for the Cortex-M targets; installed with apt when root. */
function findCrossCompiler(log) {
  let version = compilerVersion(CROSS_CC);
  const newlib = () => version && headerExists(CROSS_CC, "newlib.h");
  if (!version || !newlib()) {
    ensurePackages(["gcc-arm-none-eabi", "libnewlib-arm-none-eabi"], `${version ? "newlib for arm-none-eabi is missing" : `no ${CROSS_CC} found`}; the Cortex-M images are built with Debian's gcc-arm-none-eabi and newlib-nano`, log);
    version = compilerVersion(CROSS_CC);
  }
  if (!version || !newlib()) fail(`${CROSS_CC} or newlib does not work; install them: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi`);
  return { cc: CROSS_CC, version };
}

/** The C compiler: $CC, else cc; installs gcc (Debian) when there is none and we may. */
function findCompiler(log) {
  const cc = process.env.CC || "cc";
  let version = compilerVersion(cc);
  if (!version && !process.env.CC) {
    ensurePackages(["gcc", "libc6-dev"], `no C compiler found (${cc}); the native device is built with the machine's C compiler`, log);
    version = compilerVersion(cc);
  }
  if (!version) fail(`the C compiler ${cc} does not run; set CC to a C99 compiler (gcc or clang) or install one: sudo apt-get install gcc libc6-dev`);
  return { cc, version };
}

function headerExists(cc, header) {
  try {
    execFileSync(cc, ["-E", "-x", "c", "-"], { input: `#include <${header}>\n`, stdio: ["pipe", "ignore", "ignore"] });
    return true;
  } catch {
    return false;
  }
}

function sourcesUnder(dir) {
  const found = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.[ch]$/.test(entry.name)) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

/** The generated headers' text: host ids (from `sourceRoot`; `app`: an image for that app's
 * imports alone, scripts/snapshotImports.mjs), engine error texts, built-in boards, the board
 * names (`imageBoard`: the board a target's image is), engine id.
 * The fuzz harness (scripts/fuzz-native-restore.mjs) writes the same ones. */
export function generatedHeaders(sourceRoot = root, app = undefined, imageBoard = undefined) {
  const require = createRequire(import.meta.url);
  let boards, engineId, engineErrors, runtimeErrors, shadowModules, claimModules;
  try {
    ({ BUILT_IN_BOARDS: boards } = require(path.join(root, "dist/core/boards/builtInBoards.js")));
    ({ ENGINE_ID: engineId } = require(path.join(root, "dist/core/compiler/engineId.js")));
    engineErrors = require(path.join(root, "dist/core/engine/errors.js"));
    runtimeErrors = require(path.join(root, "dist/core/runtime/runtimeErrors.js"));
    shadowModules = { ...require(path.join(root, "dist/core/shadow/shadowTopics.js")), ...require(path.join(root, "dist/core/settings/settingDecl.js")) };
    claimModules = Object.assign({}, ...CLAIM_API_SOURCES.map((source) => require(path.join(root, "dist", source.replace(/\.ts$/, ".js")))));
  } catch (error) {
    fail(`the compiled TypeScript (dist/) is missing or stale (${error.message}); run npm run build first`);
  }
  const { DEFAULT_BOARD } = require(path.join(root, "dist/core/boards/builtInBoards.js"));
  const bits = { "analog-in": "SF_CAP_ANALOG_IN", "digital-in": "SF_CAP_DIGITAL_IN", "digital-out": "SF_CAP_DIGITAL_OUT" };
  const lines = ["/* Generated by scripts/build-firmware.mjs from core/boards/builtInBoards.ts: do not edit. */", "#ifndef SF_BUILT_IN_BOARDS_H", "#define SF_BUILT_IN_BOARDS_H", "", '#include "boardDefinition.h"', ""];
  boards.forEach((board, i) => {
    lines.push(`static const sf_BoardPin SF_BOARD_${i}_PINS[] = {`);
    for (const [label, caps] of Object.entries(board.pins)) lines.push(`  {${JSON.stringify(label)}, ${caps.map((c) => bits[c]).join(" | ") || "0"}},`);
    lines.push("};");
  });
  lines.push("static const sf_BoardDefinition SF_BUILT_IN_BOARDS[] = {");
  boards.forEach((board, i) => lines.push(`  {${JSON.stringify(board.name)}, SF_BOARD_${i}_PINS, ${Object.keys(board.pins).length}},`));
  lines.push("};", `#define SF_BUILT_IN_BOARD_COUNT ${boards.length}`, '#include "sf_boardNames.h"', "", "#endif", "");
  return {
    "sf_hostIds.h": hostIdsHeader(sourceRoot, app),
    "sf_engineErrorTexts.h": engineErrorsHeader(engineErrors),
    "sf_runtimeErrorTexts.h": runtimeErrorsHeader(runtimeErrors),
    "sf_shadowTopics.h": shadowTopicsHeader(shadowModules),
    "sf_claimApi.h": claimApiHeader(claimModules),
    "sf_deviceTexts.h": deviceTextsHeader(readDeviceTexts(path.join(sourceRoot, DEVICE_TEXTS_FILE))),
    "builtInBoards.h": lines.join("\n"),
    "sf_boardNames.h": boardNamesHeader(boards, DEFAULT_BOARD.name, imageBoard),
    "engineId.h": `/* Generated by scripts/build-firmware.mjs from core/compiler/engineId.ts: do not edit. */\n#define SF_ENGINE_ID ${JSON.stringify(engineId)}\n`,
  };
}

/** sf_boardNames.h: the default board (what a manifest without `board` was built for) and, for
 * an image that is one board (a target's `board`), SF_IMAGE_BOARD; both core/boards' names, so
 * the device's refusal names the board `--board` takes. */
export function boardNamesHeader(boards, defaultBoard, imageBoard) {
  if (imageBoard !== undefined && !boards.some((b) => b.name === imageBoard)) {
    fail(`the image's board "${imageBoard}" is not a built-in board (core/boards/builtInBoards.ts: ${boards.map((b) => b.name).join(", ")}); add it there or correct the target's board`);
  }
  return [
    "/* Generated by scripts/build-firmware.mjs from core/boards/builtInBoards.ts: do not edit. */",
    "#ifndef SF_BOARD_NAMES_H",
    "#define SF_BOARD_NAMES_H",
    `#define SF_DEFAULT_BOARD ${JSON.stringify(defaultBoard)}`,
    ...(imageBoard === undefined ? [] : [`#define SF_IMAGE_BOARD ${JSON.stringify(imageBoard)}`]),
    "#endif",
    "",
  ].join("\n");
}

/** Runs commands with at most `jobs` at a time; rejects with the first failure's output. */
async function runAll(commands, jobs) {
  const queue = [...commands];
  const worker = async () => {
    while (queue.length) {
      const { cc, args, what } = queue.shift();
      await new Promise((resolve, reject) => {
        const child = spawn(cc, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve() : reject(new FirmwareBuildError(`${what} failed:\n${output.trim()}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}

/** core/, supervisor/, ota/ compiled against the freestanding headers alone. */
async function checkFreestanding(cc, sources, gen, outDir, nativeDir, cpuFlags = []) {
  const include = path.join(outDir, "freestanding-include");
  fs.rmSync(include, { recursive: true, force: true });
  fs.mkdirSync(include, { recursive: true });
  const compilerInclude = execFileSync(cc, [...cpuFlags, "-print-file-name=include"], { encoding: "utf8" }).trim();
  for (const header of FREESTANDING_HEADERS) {
    const from = path.join(compilerInclude, header);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(include, header));
  }
  const checked = sources.filter((f) => f.endsWith(".c") && FREESTANDING_DIRS.some((d) => f.startsWith(path.join(nativeDir, d) + path.sep)) && !NOT_DEVICE.some((p) => p.test(f)));
  const commands = checked.map((file) => ({
    cc,
    what: `freestanding check of ${path.relative(nativeDir, file)}`,
    args: [...cpuFlags, "-std=c99", "-ffreestanding", "-nostdinc", "-isystem", include, "-I", gen, "-I", path.join(nativeDir, "core"), "-I", ENGINE_DIR, "-I", GLUE, "-fsyntax-only", "-Wall", "-Wextra", "-Werror", file],
  }));
  try {
    await runAll(commands, os.availableParallelism?.() ?? 2);
  } catch (error) {
    const missing = /fatal error: ([^:]+): No such file/.exec(error.message)?.[1];
    if (missing) {
      fail(`${error.message.split("\n")[0].replace(" failed:", "")}: it includes <${missing}>, which ${FREESTANDING_DIRS.map((d) => `${d}/`).join(", ")} may not (they must build without an OS for Cortex-M). Only ${FREESTANDING_HEADERS.filter((h) => !h.includes("-") && h !== "syslimits.h").map((h) => `<${h}>`).join(" ")} and hal/ may be used; what a C library would give goes through hal/platform.h.\n${error.message}`);
    }
    throw error;
  }
  return checked.length;
}

/** Builds the device program for `target` into `outDir`; returns { program, skipped, size }.
 * `sourceRoot` (tests): a tree with firmware/native/ and the host-id sources in place of this
 * repository's. `appDir`: a build folder of one app (snapfleet build's output): the image serves
 * only the host functions its device snapshot imports (the others' code, and the C library
 * functions only they call, are left out; another app's snapshot is refused at restore, naming
 * the function) and is checked against that app's budget. */
/** `settingsOf` (--settings-of TARGET): the image built with another Cortex-M target's limits
 * (sizeBudget.json's SF_ sizes, with the app's entry when `appDir` has one), in a folder of its
 * own: the Cortex-M33 on QEMU runs the M0+'s settings, which nothing here can emulate, so the
 * M0+'s VM and heap peaks are measured there (firmware/native/README.md, "heap: peak"). The
 * budget and the checks stay the built target's. */
export async function buildFirmware({ target = "posix", outDir, force = false, log = console.log, sourceRoot = root, appDir, settingsOf } = {}) {
  if (!TARGETS.includes(target)) fail(`unknown target "${target}"; targets: ${TARGETS.join(", ")}`);
  if (settingsOf !== undefined && (TARGET_SPECS[target].kind !== "mcu" || TARGET_SPECS[settingsOf]?.kind !== "mcu")) fail(`--settings-of ${settingsOf}: both the target (${target}) and the target whose settings it takes must be Cortex-M targets: ${TARGETS.filter((t) => TARGET_SPECS[t].kind === "mcu").join(", ")}`);
  let app;
  try {
    app = appDir === undefined ? undefined : appImports(appDir);
  } catch (error) {
    fail(error.message);
  }
  outDir ??= path.join(root, "build/firmware", target, ...[app && `app-${app.name}`, settingsOf && `${settingsOf}-settings`].filter(Boolean));
  const into = outDir;
  return withBuildLock(into, log, fail, () => buildInto({ target, outDir: into, force, log, sourceRoot, app, appDir, settingsOf }));
}

/** buildFirmware's work, holding the output folder's lock. */
async function buildInto({ target, outDir, force, log, sourceRoot, app, appDir, settingsOf }) {
  const spec = TARGET_SPECS[target];
  const mcu = spec.kind === "mcu";
  const port = spec.port ?? target;
  const started = Date.now();
  const { cc, version } = mcu ? findCrossCompiler(log) : findCompiler(log);
  const nativeDir = path.join(sourceRoot, NATIVE);
  const all = sourcesUnder(nativeDir);
  const portDir = path.join(nativeDir, "ports", port);
  const overlayDir = spec.overlay && path.join(nativeDir, "ports", spec.overlay);
  const inOverlay = (f) => overlayDir !== undefined && path.dirname(f) === overlayDir;
  const overlayNames = new Set(all.filter(inOverlay).map((f) => path.basename(f)));
  const inPort = (f) => (inOverlay(f) || (f.startsWith(portDir + path.sep) && !overlayNames.has(path.basename(f)))) && !NOT_DEVICE.some((p) => p.test(f));
  const portNames = new Set(all.filter(inPort).map((f) => path.basename(f)));
  const commonDir = spec.common && path.join(nativeDir, "ports", spec.common);
  const inCommon = (f) => commonDir !== undefined && path.dirname(f) === commonDir && !portNames.has(path.basename(f));
  const ownNames = new Set([...portNames, ...all.filter(inCommon).map((f) => path.basename(f))]);
  const shared = (f) =>
    spec.shares !== undefined && path.dirname(f) === path.join(nativeDir, "ports", spec.shares) && !ownNames.has(path.basename(f));
  const leftOut = new Set((spec.leaveOut ?? []).map((f) => path.join(nativeDir, f)));
  const device = [
    ...all.filter((f) => ((!NOT_DEVICE.some((p) => p.test(f)) && !f.startsWith(path.join(nativeDir, "ports") + path.sep)) || inPort(f) || inCommon(f) || shared(f)) && !leftOut.has(f)),
    ...(spec.extraSources ?? []).map((f) => path.join(nativeDir, f)),
  ];
  const budget = mcu ? readSizeBudget(path.join(sourceRoot, SIZE_BUDGET_FILE), spec.budgetOf ?? target, app?.name) : undefined;
  const settingsBudget = settingsOf === undefined ? budget : readSizeBudget(path.join(sourceRoot, SIZE_BUDGET_FILE), TARGET_SPECS[settingsOf].budgetOf ?? settingsOf, app?.name);
  // A per-app image holds manifests (the running app's, an update's) of that app's size: an
  // update declaring more channels or pins is refused by sf_manifest_parse, as one importing
  // another host function is at restore.
  const appLimits = app ? [`-DSF_MAX_CHANNELS=${Math.max(1, app.channels)}`, `-DSF_MAX_PINS=${Math.max(1, app.pins)}`] : [];
  // Without `**` in the app's code, the engine's power operation refuses (enginePatches.mjs) and
  // libm's pow is left out; the engine and core/vm.c (which says so) both see the flag.
  const appOperators = app && !app.power ? ["-DSF_POWER_OPERATOR=0"] : [];
  const usesNet = !mcu && device.some((f) => f.includes(`${path.sep}net${path.sep}`));
  const libraries = usesNet ? LIBRARIES : [];
  const missing = libraries.filter((l) => !headerExists(cc, l.header));
  ensurePackages([...new Set(missing.map((l) => l.debian))], missing.length ? `missing C libraries: ${missing.map((l) => `${l.name} (<${l.header}>)`).join(", ")}` : "", log);
  const stillMissing = libraries.filter((l) => !headerExists(cc, l.header));
  if (stillMissing.length) fail(`still missing after installing: ${stillMissing.map((l) => `<${l.header}> (${l.debian})`).join(", ")}`);

  const engineDir = ENGINE_DIR;
  const glue = ["numberFormat.c", "numberFormat.h", "numberLayout.h", "engineSettings.h"].map((f) => path.join(GLUE, f));
  let headers;
  try {
    headers = generatedHeaders(sourceRoot, app, spec.board);
  } catch (error) {
    fail(app ? `--app ${appDir}: ${error.message}` : error.message);
  }
  // The image serves the app's imports whatever its board, but its device would refuse the app
  // itself (ota/devicePackage.c): say so now rather than at the install.
  const appBoard = app && (app.board ?? createRequire(import.meta.url)(path.join(root, "dist/core/boards/builtInBoards.js")).DEFAULT_BOARD.name);
  if (app && spec.board && appBoard !== spec.board) {
    log(`build-firmware: note: --app ${appDir} was built for board "${appBoard}"; this image is a "${spec.board}" and refuses it at install: rebuild the app with --board ${spec.board} to run it here (the image's size is the same)`);
  }
  const program = path.join(outDir, mcu ? `${PROGRAM}.elf` : PROGRAM);
  const secureImage = spec.secureImage && path.join(outDir, `${PROGRAM}-secure.elf`);
  const engineImage = spec.engineImage && path.join(outDir, `${PROGRAM}-engine.elf`);
  const stampPath = path.join(outDir, "build-stamp.json");
  const { flags: libraryFlags, archives } = libraryLinkFlags(cc, libraries);
  const inputs = [...all, ...glue, path.join(engineDir, "microvium.c"), path.join(engineDir, "microvium.h"), ...HOST_ID_SOURCES.map((f) => path.join(sourceRoot, f)), ENGINE_PATCHES_FILE, fileURLToPath(import.meta.url), path.join(root, "scripts/hostIdsHeader.mjs"), path.join(root, "scripts/engineErrorsHeader.mjs"), path.join(root, "scripts/runtimeErrorsHeader.mjs"), path.join(root, "scripts/shadowTopicsHeader.mjs"), path.join(root, "scripts/claimApiHeader.mjs"), path.join(root, "scripts/deviceTextsHeader.mjs")];
  if (mcu) inputs.push(path.join(sourceRoot, SIZE_BUDGET_FILE), path.join(root, "scripts/firmwareSize.mjs"), path.join(sourceRoot, NATIVE, STACK_CALLS_FILE), path.join(root, "scripts/stackDepth.mjs"), path.join(root, "scripts/vmAllocation.mjs"));
  const hash = hashInputs(root, inputs, [version, target, JSON.stringify(spec), JSON.stringify(headers), JSON.stringify(libraryFlags), JSON.stringify(archives), JSON.stringify(appLimits), JSON.stringify(appOperators), settingsOf ?? ""]);
  if (!force && readStamp(stampPath)?.hash === hash && fs.existsSync(program) && (!secureImage || fs.existsSync(secureImage)) && (!engineImage || fs.existsSync(engineImage))) {
    const { size, report, secure, engine } = readStamp(stampPath);
    log(`build-firmware: ${path.relative(process.cwd(), program)} up to date (${fs.statSync(program).size} bytes)`);
    if (report && overBudget(report)) fail(overBudget(report));
    if (engine && overEngineBudget(engine)) fail(overEngineBudget(engine));
    if (report) log(formatSizeTable(report));
    if (secure) log(formatSecureImage(secure));
    if (engine) log(formatEngineImage(engine));
    return { program, secureImage, engineImage, skipped: true, size, report, secure, engine };
  }

  // Everything of this build in its own folder, so two builds at once (tests, dev) can't mix
  // their files; the program replaces the old one atomically at the end.
  const work = path.join(outDir, `.build-${process.pid}`);
  const gen = path.join(work, "gen");
  const objects = path.join(work, "obj");
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(gen, { recursive: true });
  fs.mkdirSync(objects, { recursive: true });
  for (const [name, text] of Object.entries(headers)) fs.writeFileSync(path.join(gen, name), text);
  let engineSource;
  try {
    engineSource = patchEngine(fs.readFileSync(path.join(engineDir, "microvium.c"), "utf8"));
  } catch (error) {
    fail(`${error.message} (is the microvium package installed?)`);
  }
  fs.writeFileSync(path.join(gen, "microvium.c"), engineSource);

  try {
    return await compileAndLink();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  async function compileAndLink() {
    if (mcu) return compileAndLinkImage();
    const freestanding = await checkFreestanding(cc, all, gen, work, nativeDir);
    // The glue last: its microvium_port.h is the WebAssembly engine's, found only for engineSettings.h.
    const includes = ["-I", gen, "-I", path.join(nativeDir, "core"), "-I", engineDir, "-I", path.join(nativeDir, "ports", target), "-I", GLUE];
    const units = [
      { file: path.join(gen, "microvium.c"), flags: [...ENGINE_FLAGS, ...appOperators] },
      { file: path.join(GLUE, "numberFormat.c"), flags: [...C_FLAGS, ...appLimits, ...appOperators] },
      ...device.filter((f) => f.endsWith(".c")).map((file) => ({ file, flags: [...C_FLAGS, ...appLimits, ...appOperators] })),
    ];
    const commands = units.map(({ file, flags }, i) => ({
      cc,
      what: `compiling ${path.relative(root, file)}`,
      args: [...flags, ...includes, "-c", file, "-o", path.join(objects, `${i}-${path.basename(file, ".c")}.o`)],
    }));
    await runAll(commands, os.availableParallelism?.() ?? 2);
    const linkFlags = [...libraryFlags, ...(usesNet ? ["-lpthread"] : []), "-lm"];
    const temp = `${program}.${process.pid}.tmp`;
    const link = (extra) => runAll([{ cc, what: "linking", args: [...extra, "-o", temp, ...fs.readdirSync(objects).sort().map((o) => path.join(objects, o)), ...linkFlags] }], 1);
    await link(RELR_FLAGS).catch((error) => {
      log(`build-firmware: linking with ${RELR_FLAGS.join(" ")} failed (binutils < 2.38 or glibc < 2.36?), linking without: ${error.message.split("\n").slice(1, 3).join(" ")}`);
      return link([]);
    });
    fs.renameSync(temp, program);
    const size = sectionSizes(program);
    writeStamp(stampPath, { hash, size });
    log(`build-firmware: ${path.relative(process.cwd(), program)} ${fs.statSync(program).size} bytes (text ${size?.text ?? "?"} B, data ${size?.data ?? "?"} B, bss ${size?.bss ?? "?"} B), ${units.length} sources, ${freestanding} checked freestanding, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { program, skipped: false, size };
  }

  /** A Cortex-M image: every unit for the CPU, sections per function so the linker drops what
   * nothing calls, newlib-nano, the port's
   * linker script with the heap and stack sizes of the budget; then the size table. */
  async function compileAndLinkImage() {
    const freestanding = await checkFreestanding(cc, all, gen, work, nativeDir, spec.cpu);
    // -fstack-usage -fcallgraph-info=su: each unit's frames and calls, for the stack analysis
    // (scripts/stackDepth.mjs); gcc writes them next to the object (N-name.ci).
    const mcuFlags = [...spec.cpu, "-ffunction-sections", "-fdata-sections", "-fno-short-enums", "-fstack-usage", "-fcallgraph-info=su"];
    const limits = limitDefines(settingsBudget).filter((d) => !appLimits.some((l) => l.split("=")[0] === d.split("=")[0]));
    const plainFlags = [...C_FLAGS.map((f) => (f === "-O2" ? spec.optimize : f)), ...mcuFlags, ...(spec.defines ?? []), ...limits, ...appLimits, ...appOperators];
    const cFlags = [...plainFlags, ...(spec.cmse ? ["-mcmse"] : [])];
    const engineFlags = [...ENGINE_FLAGS.map((f) => (f === "-O2" ? spec.optimize : f)), ...mcuFlags, ...appOperators];
    const includes = ["-I", gen, "-I", path.join(nativeDir, "core"), "-I", engineDir, "-I", portDir, ...(spec.shares ? ["-I", path.join(nativeDir, "ports", spec.shares)] : []), "-I", GLUE];
    const units = [
      // with an engine image, the engine is built there
      ...(spec.engineImage ? [] : [{ file: path.join(gen, "microvium.c"), flags: engineFlags }]),
      // ports/cortex-m/engineNumberFormat.c prints the engine's numbers without the glue's buffers
      ...(ownNames.has("engineNumberFormat.c") ? [] : [{ file: path.join(GLUE, "numberFormat.c"), flags: cFlags }]),
      ...device.filter((f) => f.endsWith(".c")).map((file) => ({ file, flags: shared(file) ? [...cFlags, ...(spec.sharedFlags ?? [])] : cFlags })),
    ];
    const objectOf = new Map();
    const commands = units.map(({ file, flags }, i) => {
      const object = path.join(objects, `${i}-${path.basename(file, ".c")}.o`);
      objectOf.set(object, file);
      return { cc, what: `compiling ${path.relative(root, file)}`, args: [...flags, ...includes, "-c", file, "-o", object] };
    });
    await runAll(commands, os.availableParallelism?.() ?? 2);
    // The secure image first: the non-secure one links against its import library (the veneers'
    // addresses).
    const secure = spec.secureImage && (await buildSecureImage(includes));
    const temp = `${program}.${process.pid}.tmp`;
    const mapFile = path.join(work, "image.map");
    const engineImportLibrary = path.join(work, "engine-implib.o");
    const linkArgs = [
      ...spec.cpu, "--specs=nano.specs", "-nostartfiles", "-Wl,--no-enum-size-warning", "-T", path.join(nativeDir, spec.linkerScript), ...linkerIncludes(spec.linkerScript), "-Wl,--gc-sections", `-Wl,-Map=${mapFile}`, "-Wl,--cref",
      `-Wl,--defsym=__heap_size=${budget.heapBytes}`, `-Wl,--defsym=__stack_size=${budget.stackBytes}`, ...faultReserveFlags(budget.faultReserveBytes), ...(spec.linkFlags ?? []),
      ...(spec.cmse ? ["-Wl,--cmse-implib", `-Wl,--out-implib=${engineImportLibrary}`] : []),
      "-o", temp, ...[...objectOf.keys()].sort(), ...(secure ? [secure.importLibrary] : []), "-lm",
    ];
    await runAll([{ cc, what: "linking", args: linkArgs }], 1);
    const engine = spec.engineImage && (await buildEngineImage(includes, engineFlags, plainFlags, engineImportLibrary));
    const defines = Object.fromEntries([...limits, ...appLimits].map((d) => d.slice(2).split("=")));
    const stack = analyzeStack(target, spec, temp, [...objectOf.keys()].map((o) => o.replace(/\.o$/, ".ci")), defines, budget.faultReserveBytes);
    // with an engine image the VM is not on this image's heap
    const vmAllocation = spec.engineImage ? undefined : vmAllocationOf(temp, cc, spec);
    const report = sizeReport({ target, budgetTarget: spec.budgetOf, mapText: fs.readFileSync(mapFile, "utf8"), sourceOf: (object) => objectOf.get(object), nativeDir, root, budget, stack, vmAllocation, heapHolds: spec.engineImage ? "queues, copies" : undefined });
    fs.renameSync(temp, program);
    if (secure) fs.renameSync(secure.temp, secureImage);
    if (engine) fs.renameSync(engine.temp, engineImage);
    fs.copyFileSync(mapFile, program.replace(/\.elf$/, ".map")); // what was linked and why (--cref): for the next size hunt
    const size = { text: report.flash.total, data: report.ram.data, bss: report.ram.bss };
    writeStamp(stampPath, { hash, size, report, secure: secure?.report, engine: engine?.report });
    log(`build-firmware: ${path.relative(process.cwd(), program)} for ${target} (${units.length} sources, ${freestanding} checked freestanding, built in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (overBudget(report)) fail(overBudget(report));
    log(formatSizeTable(report));
    if (secure) log(formatSecureImage(secure.report));
    if (engine) log(formatEngineImage(engine.report));
    return { program, secureImage, engineImage, skipped: false, size, report, secure: secure?.report, engine: engine?.report };
  }

  /** The non-secure engine image of a target whose program is secure (spec.engineImage): its
   * sources and Microvium's engine compiled for the CPU (no -mcmse), linked against the
   * program's import library (the host's entry functions), with its heap and stack from
   * sizeBudget.json. */
  async function buildEngineImage(includes, engineFlags, cFlags, importLibrary) {
    const engineSpec = spec.engineImage;
    let stackBudget;
    try {
      stackBudget = readStackBudget(path.join(sourceRoot, SIZE_BUDGET_FILE), engineSpec.name);
    } catch (error) {
      fail(error.message);
    }
    let heapBudget;
    try {
      heapBudget = readHeapBudget(path.join(sourceRoot, SIZE_BUDGET_FILE), engineSpec.name);
    } catch (error) {
      fail(error.message);
    }
    const { heapBytes, heapPeak } = heapBudget;
    const sources = engineSpec.sources.flatMap((entry) => {
      const full = path.join(nativeDir, entry);
      return fs.statSync(full).isDirectory() ? sourcesUnder(full).filter((f) => path.dirname(f) === full && f.endsWith(".c") && !NOT_DEVICE.some((p) => p.test(f))) : [full];
    });
    const engineObjects = path.join(work, "engine");
    fs.mkdirSync(engineObjects);
    const compiled = [{ file: path.join(gen, "microvium.c"), flags: engineFlags }, ...sources.map((file) => ({ file, flags: cFlags }))].map((unit, i) => ({ ...unit, object: path.join(engineObjects, `${i}-${path.basename(unit.file, ".c")}.o`) }));
    await runAll(compiled.map(({ file, flags, object }) => ({ cc, what: `compiling ${path.relative(root, file)} (engine image)`, args: [...flags, ...includes, "-c", file, "-o", object] })), os.availableParallelism?.() ?? 2);
    const temp = `${engineImage}.${process.pid}.tmp`;
    await runAll([{ cc, what: "linking the engine image", args: [
      ...spec.cpu, "--specs=nano.specs", "-nostartfiles", "-Wl,--no-enum-size-warning", "-T", path.join(nativeDir, engineSpec.linkerScript), ...linkerIncludes(engineSpec.linkerScript), "-Wl,--gc-sections",
      `-Wl,--defsym=__heap_size=${heapBytes}`, `-Wl,--defsym=__stack_size=${stackBudget.stackBytes}`, ...faultReserveFlags(stackBudget.faultReserveBytes), "-o", temp, ...compiled.map((c) => c.object), importLibrary, "-lm",
    ] }], 1);
    // Its threads: the reset handler, then the request server (called by the secure image, on
    // the engine's stack, after the reset returned). It has no handlers of its own (its vector
    // table has none; its faults go to the secure image, so nothing runs in the reserve under its
    // limit), but a secure interrupt (SysTick) taken while it runs stacks its frame here.
    const stack = analyzeStack(engineSpec.name, { exceptionFrameBytes: spec.exceptionFrameBytes }, temp, compiled.map((c) => c.object.replace(/\.o$/, ".ci")), {}, undefined, engineSpec.threadEntries);
    const needed = stack && stack.needed + spec.exceptionFrameBytes;
    if (needed && needed + stackBudget.margin > stackBudget.stackBytes) fail(`the engine image's stack needs ${needed} B + a margin of ${stackBudget.margin} B, more than the ${stackBudget.stackBytes} B ${SIZE_BUDGET_FILE} "${engineSpec.name}" reserves: raise stackBytes there`);
    const report = { file: path.basename(engineImage), budgetKey: engineSpec.name, size: sectionSizes(temp, cc.replace(/gcc$/, "size")), heapBytes, heapPeak, stackBytes: stackBudget.stackBytes, stack: stack && { needed, margin: stackBudget.margin, thread: stack.thread } };
    if (overEngineBudget(report)) fail(overEngineBudget(report));
    return { temp, report };
  }

  /** The secure image of a TrustZone target (spec.secureImage): its sources compiled with
   * -mcmse, linked with the linker writing the import library of its entry functions' veneers
   * (--cmse-implib), which the non-secure image links against, and its own stack analysed
   * (from reset and from each entry function) against what it reserves. */
  async function buildSecureImage(includes) {
    const secureSpec = spec.secureImage;
    let stackBudget;
    try {
      stackBudget = readStackBudget(path.join(sourceRoot, SIZE_BUDGET_FILE), secureSpec.name);
    } catch (error) {
      fail(error.message);
    }
    const sources = spec.secureImage.sources.flatMap((entry) => {
      const full = path.join(nativeDir, entry);
      return fs.statSync(full).isDirectory() ? sourcesUnder(full).filter((f) => f.endsWith(".c") && !NOT_DEVICE.some((p) => p.test(f))) : [full];
    });
    const secureObjects = path.join(work, "secure");
    fs.mkdirSync(secureObjects);
    const cFlags = [...C_FLAGS.map((f) => (f === "-O2" ? spec.optimize : f)), ...spec.cpu, "-mcmse", "-ffunction-sections", "-fdata-sections", "-fstack-usage", "-fcallgraph-info=su"];
    const compiled = sources.map((file, i) => ({ file, object: path.join(secureObjects, `${i}-${path.basename(file, ".c")}.o`) }));
    await runAll(compiled.map(({ file, object }) => ({ cc, what: `compiling ${path.relative(root, file)} (secure image)`, args: [...cFlags, ...includes, "-c", file, "-o", object] })), os.availableParallelism?.() ?? 2);
    const temp = `${secureImage}.${process.pid}.tmp`;
    const importLibrary = path.join(work, "secure-implib.o");
    await runAll([{ cc, what: "linking the secure image", args: [
      ...spec.cpu, "--specs=nano.specs", "-nostartfiles", "-T", path.join(nativeDir, spec.secureImage.linkerScript), ...linkerIncludes(spec.secureImage.linkerScript),
      "-Wl,--gc-sections", "-Wl,--cmse-implib", `-Wl,--out-implib=${importLibrary}`, `-Wl,--defsym=__stack_size=${stackBudget.stackBytes}`, ...faultReserveFlags(stackBudget.faultReserveBytes), "-o", temp, ...compiled.map((c) => c.object),
    ] }], 1);
    const stack = analyzeStack(secureSpec.name, secureSpec, temp, compiled.map((c) => c.object.replace(/\.o$/, ".ci")), {}, stackBudget.faultReserveBytes);
    const report = {
      file: path.basename(secureImage),
      size: sectionSizes(temp, cc.replace(/gcc$/, "size")),
      stack: stack && { needed: stack.needed, margin: stackBudget.margin, thread: stack.thread, handler: stack.handler, fault: stack.fault, exceptionFrameBytes: stack.exceptionFrameBytes, secureEntries: stack.secureEntries },
      stackBytes: stackBudget.stackBytes,
      budgetKey: `"${secureSpec.name}"`,
    };
    if (overSecureBudget(report)) fail(overSecureBudget(report));
    return { temp, importLibrary, report };
  }

  /** -L for a linker script's folder and its port's (INCLUDE finds an505Sections.ld there). */
  function linkerIncludes(linkerScript) {
    return [...new Set([path.dirname(linkerScript), `ports/${port}`])].flatMap((dir) => ["-L", path.join(nativeDir, dir)]);
  }
}

/** The linker's __fault_reserve: the bytes under the stack limit (MSPLIM) kept for the fault
 * report of an image whose CPU has one (the M33's; sizeBudget.json faultReserveBytes). */
const faultReserveFlags = (bytes) => (bytes === undefined ? [] : [`-Wl,--defsym=__fault_reserve=${bytes}`]);

/** The worst-case stack of a linked image (scripts/stackDepth.mjs) from the units' call graphs;
 * a function-pointer call or a recursion stackCalls.json doesn't cover fails the build by name.
 * `faultReserveBytes`: the image's fault handler runs under the stack limit, in that reserve. */
function analyzeStack(target, spec, elf, ciFiles, defines, faultReserveBytes, threadEntries = []) {
  const callsFile = path.join(root, NATIVE, STACK_CALLS_FILE);
  // A target the list doesn't cover (a new port, until its pointer calls are listed) is built
  // without the analysis; the size table says so.
  if (!hasStackCalls(callsFile, target)) return undefined;
  let result;
  try {
    result = analyzeImage({ target, elf, ciFiles, callsFile, exceptionFrameBytes: spec.exceptionFrameBytes, defines, faultReserveBytes, threadEntries });
  } catch (error) {
    fail(`the stack analysis failed: ${error.message}`);
  }
  if (result.errors.length) fail(`the stack analysis can't bound the stack of ${path.basename(elf)}:\n  ${result.errors.join("\n  ")}`);
  return result;
}

/** What starting an app takes from the image's heap at once: the supervisor, sf_Vm, the engine's
 * stack (scripts/vmAllocation.mjs). */
function vmAllocationOf(elf, cc, spec) {
  try {
    return measureVmAllocation({ elf, cc, readelf: cc.replace(/gcc$/, "readelf"), engineSettings: path.join(GLUE, "engineSettings.h"), flags: spec.cpu });
  } catch (error) {
    fail(`measuring what starting an app takes from the heap failed: ${error.message}`);
  }
}

/** text/data/bss of a program (binutils size). */
export function sectionSizes(program, sizeCommand = "size") {
  try {
    const [, line] = execFileSync(sizeCommand, [program], { encoding: "utf8" }).trim().split("\n");
    const [text, data, bss] = line.trim().split(/\s+/).map(Number);
    return { text, data, bss };
  } catch {
    return undefined;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  buildFirmware({ target: option("--target") ?? "posix", outDir: option("--out") && path.resolve(option("--out")), force: args.includes("--force"), appDir: option("--app") && path.resolve(option("--app")), settingsOf: option("--settings-of") }).catch((error) => {
    console.error(`build-firmware: ${error instanceof FirmwareBuildError ? error.message : error.stack ?? error}`);
    process.exit(1);
  });
}
