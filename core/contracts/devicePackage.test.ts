import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { Manifest } from "./manifest";
import { decodeDevicePackage, encodeDevicePackage } from "./devicePackage";
import { otaJobDocument, parseOtaJobDocument } from "./jobDocument";

const snapshot = new Uint8Array([1, 2, 3, 4, 5]);
const sha = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");
const manifest: Manifest = {
  app: "gs",
  version: sha(snapshot),
  engine: "microvium-8.0.0/bytecode-8",
  channels: [{ name: "t", qos: 1, direction: "both", replay: 0 }],
  secrets: [],
  controls: [],
  pins: [{ name: "A2", kind: "analog" }],
  snapshots: { device: { sha256: sha(snapshot), size: 5 }, web: { sha256: "0".repeat(64), size: 1 }, server: { sha256: "0".repeat(64), size: 1 } },
};

describe("device package: the OTA artifact", () => {
  it("round-trips manifest and snapshot; sha256 and size describe the whole package", () => {
    const pkg = encodeDevicePackage(manifest, snapshot);
    assert.equal(pkg.size, pkg.bytes.length);
    assert.equal(pkg.sha256, sha(pkg.bytes));
    const decoded = decodeDevicePackage(pkg.bytes);
    assert.deepEqual(decoded.manifest, manifest);
    assert.deepEqual(decoded.snapshot, snapshot);
    const doc = otaJobDocument(manifest, pkg, "https://x");
    assert.deepEqual([doc.sha256, doc.size, doc.version], [pkg.sha256, pkg.size, manifest.version]);
    assert.deepEqual(parseOtaJobDocument(JSON.parse(JSON.stringify(doc))), doc);
  });

  it("leaves the callback sites out, so moving a line doesn't change the artifact of a version", () => {
    const at = (line: number) => `features/app.ts:${line}:3`;
    const withSites = (line: number): Manifest => ({ ...manifest, callbackSites: { device: { timers: [{ api: "setInterval", at: at(line) }], listeners: [[]], onStart: [], controls: [] } } });
    const moved = encodeDevicePackage(withSites(12), snapshot);
    assert.equal(moved.sha256, encodeDevicePackage(withSites(13), snapshot).sha256);
    assert.equal(moved.sha256, encodeDevicePackage(manifest, snapshot).sha256);
    assert.equal(decodeDevicePackage(moved.bytes).manifest.callbackSites, undefined);
  });

  it("refuses a snapshot that doesn't match its manifest, when packing and unpacking", () => {
    assert.throws(() => encodeDevicePackage(manifest, new Uint8Array([9, 9, 9, 9, 9])), /sha256 .* does not match/);
    const pkg = encodeDevicePackage(manifest, snapshot);
    const tampered = pkg.bytes.slice();
    tampered[tampered.length - 1] ^= 0xff;
    assert.throws(() => decodeDevicePackage(tampered), /device snapshot in the package of gs: sha256 .* does not match/);
  });

  it("says what is wrong with bytes that are not a package", () => {
    assert.throws(() => decodeDevicePackage(new Uint8Array([1, 2, 3])), /not a snapfleet device package/);
    const pkg = encodeDevicePackage(manifest, snapshot).bytes.slice();
    pkg[4] = 9;
    assert.throws(() => decodeDevicePackage(pkg), /format 9 is not supported by this firmware/);
    const truncated = encodeDevicePackage(manifest, snapshot).bytes.slice(0, 20);
    assert.throws(() => decodeDevicePackage(truncated), /truncated/);
  });

  it("job documents are validated field by field on the device", () => {
    assert.throws(() => parseOtaJobDocument({ operation: "reboot", sha256: "x", size: -1 }), /operation is "reboot".*app must be a non-empty string.*sha256 must be 64 lowercase hex digits.*size must be an integer/);
  });
});
