import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CliError, UsageError } from "./cliError";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

/** The targets `snapfleet firmware build` knows (scripts/build-firmware.mjs): the native program
 * on this machine, and the bare-metal Cortex-M images (an ELF and a size table; cortex-m33-tz:
 * the TrustZone build, a secure and a non-secure ELF; cortex-m33-tz-supervisor: the supervisor
 * secure, the engine non-secure). */
export const FIRMWARE_TARGETS = ["posix", "cortex-m33", "cortex-m33-tz", "cortex-m33-tz-supervisor", "cortex-m0plus"] as const;
const isImageTarget = (target: string) => target.startsWith("cortex-");

/** Where the package keeps its sources: the repository root (dist/cli/.. or cli/..). */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "scripts", "build-firmware.mjs"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new CliError("scripts/build-firmware.mjs is not part of this installation of snapfleet; the native device is built from a checkout of the repository");
    dir = parent;
  }
  return dir;
}

/** The device program of a target: build/firmware/<target>/snapfleet-device (.elf for a
 * Cortex-M image) under `cwd`; an image for one app alone (`--app`) in its app-<name>/ folder. */
export function firmwareProgram(target: string, cwd = process.cwd(), appName?: string): string {
  return path.join(cwd, "build", "firmware", target, ...(appName ? [`app-${appName}`] : []), isImageTarget(target) ? "snapfleet-device.elf" : "snapfleet-device");
}

/** The app name of a build folder (`--app DIR`: snapfleet build's output), for the image's folder. */
function appNameOf(appDir: string): string {
  const manifestFile = path.join(appDir, "manifest.json");
  let app: unknown;
  try {
    app = (JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { app?: unknown }).app;
  } catch (error) {
    throw new UsageError(`--app ${appDir}: ${manifestFile} can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); --app takes the folder snapfleet build wrote (manifest.json, device.snap)`);
  }
  if (typeof app !== "string" || !/^[A-Za-z0-9_.-]+$/.test(app)) throw new UsageError(`--app ${appDir}: ${manifestFile} has no app name (letters, digits, . _ -): got ${JSON.stringify(app)}`);
  return app;
}

/** Builds (or finds up to date) the native device program; its progress line goes to stderr so
 * that stdout stays for the device's JSON lines. Throws a CliError naming what is missing. */
export function buildFirmwareProgram(target: string, options: { force?: boolean; quietWhenUpToDate?: boolean; appDir?: string } = {}): string {
  if (!(FIRMWARE_TARGETS as readonly string[]).includes(target)) throw new UsageError(`--target must be one of ${FIRMWARE_TARGETS.join(", ")}, got ${target}`);
  const appDir = options.appDir && path.resolve(options.appDir);
  const program = firmwareProgram(target, process.cwd(), appDir ? appNameOf(appDir) : undefined);
  // A child process: the build script is an ES module, this file is compiled to CommonJS.
  const result = spawnSync(process.execPath, [path.join(packageRoot(), "scripts", "build-firmware.mjs"), "--target", target, "--out", path.dirname(program), ...(options.force ? ["--force"] : []), ...(appDir ? ["--app", appDir] : [])], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.status !== 0) throw new CliError((result.stderr || result.stdout || `the firmware build ended with status ${result.status}`).trim().replace(/^build-firmware: /, ""));
  const line = result.stdout.trim();
  if (line && !(options.quietWhenUpToDate && line.includes("up to date"))) process.stderr.write(`${line}\n`);
  return program;
}

/** `snapfleet firmware build --target posix`. */
export function firmwareCommand({ values, positionals }: Parsed): void {
  if (positionals[0] !== "build" || positionals.length > 1) throw new UsageError(`firmware takes the subcommand build, e.g. snapfleet firmware build --target posix${positionals[0] ? `; got ${positionals.join(" ")}` : ""}`);
  const target = values.target as string | undefined;
  if (!target) throw new UsageError(`--target is required: ${FIRMWARE_TARGETS.join(", ")}`);
  buildFirmwareProgram(target, { force: values.force === true, appDir: values.app as string | undefined });
}
