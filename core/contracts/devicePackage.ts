/** The OTA artifact: what a device downloads is its app's device snapshot together with the part
 * of the manifest the supervisor needs to run it (channels with qos and direction, pins). The
 * job document can only carry a URL, a size and a hash, so the channel table travels inside the
 * hashed artifact rather than beside it: one download, one integrity check, nothing to mismatch.
 *
 * Layout: "SFPK" | u8 format (1) | u32 BE manifest length | manifest JSON (UTF-8) | snapshot.
 * A device checks the package's size and sha256 against the job document before parsing it, and
 * the snapshot against the manifest's sha256 before restoring it (verifySnapshot).
 *
 * The manifest's callbackSites (file:line of each callback, for error messages) stay out: they
 * change when a line above a callback moves, while the version (the snapshot's sha256) does not,
 * and one version must always be one artifact (the OTA job document names its sha256). */
import crypto from "node:crypto";
import { verifySnapshot } from "./buildOutput";
import type { Manifest } from "./manifest";

const MAGIC = "SFPK";
const FORMAT = 1;
const HEADER_BYTES = 4 + 1 + 4;

export interface DevicePackage {
  manifest: Manifest;
  snapshot: Uint8Array;
}

export interface PackageInfo {
  bytes: Uint8Array;
  sha256: string;
  size: number;
}

export function encodeDevicePackage(manifest: Manifest, deviceSnapshot: Uint8Array): PackageInfo {
  verifySnapshot(deviceSnapshot, manifest.snapshots.device, `device snapshot of ${manifest.app}`);
  const { callbackSites: _debugOnly, ...packaged } = manifest;
  const json = Buffer.from(JSON.stringify(packaged), "utf8");
  const bytes = new Uint8Array(HEADER_BYTES + json.length + deviceSnapshot.length);
  bytes.set(Buffer.from(MAGIC, "ascii"), 0);
  const view = new DataView(bytes.buffer);
  view.setUint8(4, FORMAT);
  view.setUint32(5, json.length);
  bytes.set(json, HEADER_BYTES);
  bytes.set(deviceSnapshot, HEADER_BYTES + json.length);
  return { bytes, sha256: sha256Hex(bytes), size: bytes.length };
}

/** Parses a package whose sha256 the caller has already checked; throws saying what is wrong. */
export function decodeDevicePackage(bytes: Uint8Array): DevicePackage {
  if (bytes.length < HEADER_BYTES || Buffer.from(bytes.subarray(0, 4)).toString("ascii") !== MAGIC) {
    throw new Error("not a snapfleet device package (missing the SFPK header); was the artifact built by `snapfleet build`?");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint8(4);
  if (format !== FORMAT) throw new Error(`device package format ${format} is not supported by this firmware (expected ${FORMAT}); update the firmware`);
  const jsonLength = view.getUint32(5);
  if (HEADER_BYTES + jsonLength > bytes.length) throw new Error(`device package is truncated: manifest of ${jsonLength} bytes does not fit in ${bytes.length}`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(Buffer.from(bytes.subarray(HEADER_BYTES, HEADER_BYTES + jsonLength)).toString("utf8")) as Manifest;
  } catch (e) {
    throw new Error(`device package manifest is not JSON: ${(e as Error).message}`);
  }
  const snapshot = bytes.slice(HEADER_BYTES + jsonLength);
  verifySnapshot(snapshot, manifest.snapshots?.device ?? { sha256: "", size: -1 }, `device snapshot in the package of ${manifest.app}`);
  return { manifest, snapshot };
}

export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}
