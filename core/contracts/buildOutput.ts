import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Manifest, Target } from "./manifest";
import { TARGETS } from "./manifest";
import { featureEntryInside } from "./featureEntry";

/** The build directory `snapfleet build` writes and every host reads: manifest.json plus
 * device.snap, web.snap and server.snap. */
export interface BuildOutput {
  manifest: Manifest;
  snapshots: Record<Target, Uint8Array>;
}

/** The device snapshot holds the secrets' values (compileFeatures gives them to the device part
 * only): its owner alone may read it. */
const PRIVATE_FILE_MODE = 0o600;

export function writeBuild(dir: string, build: BuildOutput): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const target of TARGETS) {
    const file = path.join(dir, `${target}.snap`);
    if (target !== "device") {
      fs.writeFileSync(file, build.snapshots[target]);
      continue;
    }
    // A mode given to writeFileSync applies only to a new file: one an earlier build left
    // world-readable is tightened before the secrets go into it.
    if (fs.existsSync(file)) fs.chmodSync(file, PRIVATE_FILE_MODE);
    fs.writeFileSync(file, build.snapshots[target], { mode: PRIVATE_FILE_MODE });
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(build.manifest, null, 2) + "\n");
}

/** Reads a build directory and checks each snapshot against the manifest's sha256, so a
 * half-written or tampered build is refused before any engine restores it. */
export function readBuild(dir: string): BuildOutput {
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    const entry = featureEntryInside(dir);
    if (entry) throw new Error(`${dir} holds feature sources, not a build: build them first (snapfleet build ${entry} --out build/), then snapfleet run-device build/`);
    throw new Error(`${manifestPath} not found; run \`snapfleet build <entry> --out ${dir}\` first`);
  }
  const rebuild = `rebuild it with \`snapfleet build <entry> --out ${dir}\``;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as Manifest;
  } catch (e) {
    throw new Error(`${manifestPath} is not valid JSON (${(e as Error).message}): a half-written or edited build? ${rebuild}`);
  }
  const listed = (manifest as Partial<Manifest> | null)?.snapshots;
  if (typeof listed !== "object" || listed === null || TARGETS.some((t) => typeof listed[t] !== "object" || listed[t] === null)) {
    throw new Error(`${manifestPath} is not the manifest of a snapfleet build (it has no snapshots); ${rebuild}`);
  }
  const snapshots = {} as Record<Target, Uint8Array>;
  for (const target of TARGETS) {
    const file = path.join(dir, `${target}.snap`);
    if (!fs.existsSync(file)) throw new Error(`${file} not found; rebuild with \`snapfleet build\``);
    const bytes = new Uint8Array(fs.readFileSync(file));
    try {
      verifySnapshot(bytes, listed[target], file);
    } catch (e) {
      throw new Error(`${(e as Error).message}; ${rebuild}`);
    }
    snapshots[target] = bytes;
  }
  return { manifest, snapshots };
}

export function verifySnapshot(bytes: Uint8Array, expected: { sha256: string; size: number }, what: string): void {
  if (bytes.length !== expected.size) throw new Error(`${what}: size ${bytes.length} does not match the manifest's ${expected.size}`);
  const actual = crypto.createHash("sha256").update(bytes).digest("hex");
  if (actual !== expected.sha256) throw new Error(`${what}: sha256 ${actual} does not match the manifest's ${expected.sha256}`);
}
