// The host functions a built app's device snapshot imports, read from the snapshot itself: a
// per-app firmware image (`snapfleet firmware build --app DIR`) serves only these
// (scripts/hostIdsHeader.mjs leaves the others' code out).
//
// Microvium's bytecode (node_modules/microvium/dist-c/microvium.c, mvm_TsBytecodeHeader): byte 0
// the bytecode version, 1 the header size, 4-5 the size of the whole snapshot (LE), from byte 12
// one uint16 LE offset per section in order; the import table is the first section, up to the
// second, one uint16 host-function id per entry.
import fs from "node:fs";
import path from "node:path";
import { usesPowerOperator } from "./snapshotOperators.mjs";

const IMPORT_TABLE_OFFSET = 12; // sectionOffsets[BCS_IMPORT_TABLE]
const HEADER_MIN = IMPORT_TABLE_OFFSET + 4;

/** The sorted host-function ids of a Microvium snapshot's import table; `where` names it in errors. */
export function snapshotImports(bytes, where) {
  const bad = (why) => new Error(`${where} is not a Microvium snapshot the firmware can be built for (${why}); build the app with snapfleet build and pass its output folder`);
  if (bytes.length < HEADER_MIN) throw bad(`${bytes.length} bytes, shorter than a snapshot header`);
  const headerSize = bytes[1];
  const size = bytes.readUInt16LE(4);
  if (headerSize < HEADER_MIN || headerSize > bytes.length) throw bad(`header size ${headerSize}`);
  if (size !== bytes.length) throw bad(`the header says ${size} bytes, the file has ${bytes.length}`);
  const start = bytes.readUInt16LE(IMPORT_TABLE_OFFSET);
  const end = bytes.readUInt16LE(IMPORT_TABLE_OFFSET + 2);
  if (start < headerSize || end < start || end > size || (end - start) % 2) throw bad(`import table at ${start}-${end}`);
  const ids = new Set();
  for (let at = start; at < end; at += 2) ids.add(bytes.readUInt16LE(at));
  return [...ids].sort((a, b) => a - b);
}

/** The app of a build folder (snapfleet build's output): its name, how many channels and pins
 * its manifest declares, the host functions its device.snap imports, and whether its code uses
 * `**` (scripts/snapshotOperators.mjs). */
export function appImports(buildDir) {
  const manifestFile = path.join(buildDir, "manifest.json");
  const snapshotFile = path.join(buildDir, "device.snap");
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  } catch (error) {
    throw new Error(`--app ${buildDir}: ${manifestFile} can't be read (${error.code ?? error.message}); --app takes the folder snapfleet build wrote (manifest.json, device.snap)`);
  }
  if (typeof manifest.app !== "string" || !/^[A-Za-z0-9_.-]+$/.test(manifest.app)) throw new Error(`--app ${buildDir}: ${manifestFile} has no app name (letters, digits, . _ -): got ${JSON.stringify(manifest.app)}`);
  let snapshot;
  try {
    snapshot = fs.readFileSync(snapshotFile);
  } catch (error) {
    throw new Error(`--app ${buildDir}: ${snapshotFile} can't be read (${error.code ?? error.message}); --app takes the folder snapfleet build wrote (manifest.json, device.snap)`);
  }
  const count = (key) => {
    if (!Array.isArray(manifest[key])) throw new Error(`--app ${buildDir}: ${manifestFile} has no "${key}" list; build the app again with snapfleet build`);
    return manifest[key].length;
  };
  const imports = snapshotImports(snapshot, snapshotFile);
  return { name: manifest.app, board: manifest.board, channels: count("channels"), pins: count("pins"), imports, power: usesPowerOperator(snapshot, snapshotFile) };
}
